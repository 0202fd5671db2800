/** Ids up to this are kept in an array slot; larger ones (rare) in a Map. */
const SMALL_IDS = 64;

/**
 * The requests of one FastCGI connection by request id, for both ends of the wire.
 *
 * Why not a plain Map: a connection's table goes from one entry to none on every request (nginx,
 * Apache and php-fpm use id 1 over and over), and V8 rebuilds a Map's hash table when an entry is
 * deleted from a small one — a fresh table per request, allocated young and referenced from the
 * long-lived Map, so it survives the next scavenge and is promoted. In the proxy's allocation
 * profile that was a fifth of everything that outlived a scavenge. Ids are small in practice
 * (spec §3.3 asks web servers to keep them small; gw's client always uses the lowest free one),
 * so they index an array slot, and only ids above {@link SMALL_IDS} (HAProxy's ever-growing ids)
 * go to a Map, made on first use.
 */
export class RequestTable<T> {
	readonly #small: (T | undefined)[] = [];
	#large: Map<number, T> | null = null;
	#size = 0;

	/** Entries in the table. */
	get size(): number {
		return this.#size;
	}

	get(id: number): T | undefined {
		return id <= SMALL_IDS ? this.#small[id] : this.#large?.get(id);
	}

	/** Adds or replaces the entry for `id` (1..65535). */
	set(id: number, value: T): void {
		if (id <= SMALL_IDS) {
			if (this.#small[id] === undefined) this.#size++;
			this.#small[id] = value;
			return;
		}
		const large = (this.#large ??= new Map());
		if (!large.has(id)) this.#size++;
		large.set(id, value);
	}

	/** Removes the entry for `id`; false when there was none. */
	delete(id: number): boolean {
		if (id <= SMALL_IDS) {
			if (this.#small[id] === undefined) return false;
			this.#small[id] = undefined;
			this.#size--;
			return true;
		}
		if (this.#large === null || !this.#large.delete(id)) return false;
		this.#size--;
		return true;
	}

	/** A snapshot of the entries, by ascending id below {@link SMALL_IDS}, then in insertion order. */
	values(): T[] {
		const out: T[] = [];
		if (this.#size === 0) return out;
		const small = this.#small;
		for (let id = 1; id < small.length; id++) {
			const value = small[id];
			if (value !== undefined) out.push(value);
		}
		if (this.#large !== null)
			for (const value of this.#large.values()) out.push(value);
		return out;
	}

	clear(): void {
		this.#small.length = 0;
		this.#large = null;
		this.#size = 0;
	}
}
