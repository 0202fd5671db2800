import { fstatSync, readFileSync } from 'node:fs';
import { DEFAULT_LISTEN, type ListenTarget } from './listen-target.js';

/** sd_listen_fds(3): passed sockets start at fd 3 (SD_LISTEN_FDS_START). */
const SD_LISTEN_FDS_START = 3;

/** Where to listen, and why. */
export interface ResolvedListen {
  target: ListenTarget;
  /** How the target was chosen, for the log. */
  origin: '--listen' | 'systemd' | 'fd 0' | 'default';
  /** Something the operator should know (extra systemd sockets ignored). */
  note?: string;
}

/**
 * Picks the listening socket, in this order:
 * 1. `--listen` (`explicit`);
 * 2. systemd socket activation: `LISTEN_PID` is our pid and `LISTEN_FDS` ≥ 1 → fd 3;
 * 3. fd 0 is a listening socket → fd 0 (spawn-fcgi, mod_fcgid and php-cgi's convention);
 * 4. 127.0.0.1:9000.
 *
 * Always consumes LISTEN_PID / LISTEN_FDS / LISTEN_FDNAMES from `env`, as sd_listen_fds(unset=1)
 * does, so processes the application starts (and our workers) do not take the sockets for theirs.
 */
export function resolveListenTarget(explicit: ListenTarget | undefined, env: NodeJS.ProcessEnv = process.env, pid: number = process.pid): ResolvedListen {
  const systemd = takeSystemdSockets(env, pid);
  if (explicit !== undefined) return { target: explicit, origin: '--listen' };
  if (systemd > 0) {
    const target: ListenTarget = { kind: 'fd', fd: SD_LISTEN_FDS_START };
    if (systemd === 1) return { target, origin: 'systemd' };
    return { target, origin: 'systemd', note: `systemd passed ${systemd} sockets; serving fd ${SD_LISTEN_FDS_START} only` };
  }
  if (isListeningSocket(0)) return { target: { kind: 'fd', fd: 0 }, origin: 'fd 0' };
  return { target: DEFAULT_LISTEN, origin: 'default' };
}

/** Number of sockets systemd passed to this process (0 when none, or meant for another pid). */
function takeSystemdSockets(env: NodeJS.ProcessEnv, pid: number): number {
  const listenPid = env.LISTEN_PID;
  const listenFds = env.LISTEN_FDS;
  if (listenPid === undefined && listenFds === undefined) return 0;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  // sd_listen_fds: the variables are for us only when LISTEN_PID is our pid (a parent's
  // variables may have leaked into our environment).
  if (listenPid !== String(pid)) return 0;
  const count = /^\d{1,4}$/.test(listenFds ?? '') ? Number(listenFds) : 0;
  return count;
}

/**
 * True when `fd` is a socket in the listening state. PHP and flup test this with getpeername():
 * ENOTCONN on a socket means it is not connected, i.e. listening. Node has no getpeername on a
 * bare fd, and wrapping fd 0 in a net handle to probe it would close it on failure, so this reads
 * the kernel's socket tables instead: the fd's inode in /proc/self/net/{tcp,tcp6,unix} with TCP
 * state 0A (LISTEN) or unix flag __SO_ACCEPTCON (0x10000). Linux only; elsewhere false (pass
 * `--listen fd:0` explicitly). A connected socket — Node's own `stdio: 'pipe'` is a socketpair —
 * is correctly not taken.
 */
export function isListeningSocket(fd: number): boolean {
  let inode: number;
  try {
    const stat = fstatSync(fd);
    if (!stat.isSocket()) return false;
    inode = stat.ino;
  } catch {
    return false;
  }
  return inTcpTable('tcp', inode) || inTcpTable('tcp6', inode) || inUnixTable(inode);
}

function readTable(name: string): string[] {
  try {
    return readFileSync(`/proc/self/net/${name}`, 'latin1').split('\n').slice(1);
  } catch {
    return [];
  }
}

/** Columns: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode … */
function inTcpTable(name: string, inode: number): boolean {
  for (const line of readTable(name)) {
    const columns = line.trim().split(/\s+/);
    if (columns[9] === String(inode)) return columns[3] === '0A';
  }
  return false;
}

/** Columns: Num RefCount Protocol Flags Type St Inode [Path]. */
function inUnixTable(inode: number): boolean {
  return (Number.parseInt(unixRow(inode)?.[3] ?? '0', 16) & 0x10000) !== 0;
}

function unixRow(inode: number): string[] | undefined {
  for (const line of readTable('unix')) {
    const columns = line.trim().split(/\s+/);
    if (columns[6] === String(inode)) return columns;
  }
  return undefined;
}

/**
 * The path a unix socket behind `fd` is bound to, for the log (node reports no address for a
 * unix listener opened from an fd). Undefined for TCP sockets, abstract or unnamed sockets, and
 * off Linux.
 */
export function unixSocketPath(fd: number): string | undefined {
  try {
    const path = unixRow(fstatSync(fd).ino)?.[7];
    return path?.startsWith('/') ? path : undefined;
  } catch {
    return undefined;
  }
}
