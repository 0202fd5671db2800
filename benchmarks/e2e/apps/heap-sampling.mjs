/**
 * Preloaded with `node --import` by `profile.ts --alloc`: runs V8's sampling heap profiler in the
 * app for its whole life and writes the profile to $GW_HEAP_PROFILE on exit. With
 * GW_HEAP_PROFILE_MINOR=0, objects freed by a scavenge are left out, so what remains is what
 * survived the young generation (promoted), plus what is still live at exit.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const out = process.env.GW_HEAP_PROFILE;
if (out) {
  const session = new Session();
  session.connect();
  session.post('HeapProfiler.enable');
  session.post('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: process.env.GW_HEAP_PROFILE_MINOR !== '0',
  });
  // The in-process inspector answers synchronously, so this completes inside 'exit'.
  process.on('exit', () => {
    session.post('HeapProfiler.stopSampling', (err, result) => {
      if (!err) writeFileSync(out, JSON.stringify(result.profile));
    });
  });
}
