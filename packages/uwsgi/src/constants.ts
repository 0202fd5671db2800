/**
 * uwsgi wire constants (protocols.md §3.1). Every multi-byte field of the protocol is a
 * **little-endian** u16: the opposite of FastCGI, so never reuse a big-endian helper here.
 */

/** The packet header: modifier1 (u8), datasize (u16 LE), modifier2 (u8). */
export const HEADER_LENGTH = 4;

/** datasize is a u16, so the vars block can never exceed 65535 bytes. */
export const MAX_VARS_BLOCK_SIZE = 0xffff;

/** Key and value lengths are u16 LE as well. */
export const MAX_VAR_LENGTH = 0xffff;

/**
 * Smallest number of bytes that can hold the two length fields of a pair. A fragment shorter than
 * this at the end of the block cannot be a pair (uWSGI `core/protocol.c` rejects it).
 */
export const PAIR_LENGTH_FIELDS = 4;

/**
 * Default vars-block cap: uWSGI's `buffer-size` default. A larger block makes uWSGI log "invalid
 * request block size" and drop the connection (protocols.md §3.4), so matching it keeps gw no
 * more permissive than the server it replaces.
 */
export const DEFAULT_MAX_VARS_BYTES = 4096;

/**
 * Default cap on the number of pairs. uWSGI's own default is lower (~128, from `max-vars`), but
 * nginx requests with many headers can pass that; 1000 still bounds the per-pair bookkeeping.
 */
export const DEFAULT_MAX_VARS = 1000;
