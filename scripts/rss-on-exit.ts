/**
 * Preloaded (`node --require`) into a command a benchmark runs as a child: at exit, writes the
 * process's peak resident set size (kB) to the file named by JALAD_RSS_FILE. Portable where
 * /usr/bin/time is not installed, and it measures the Node process itself.
 */
import * as fs from 'fs';
import { peakRssKb } from './bench-env';

const file = process.env.JALAD_RSS_FILE;
if (file) process.on('exit', () => fs.writeFileSync(file, String(peakRssKb())));
// With JALAD_CPU_FILE too: the process's CPU time (user + system, ms), which a loaded machine does not inflate as it does wall time.
const cpuFile = process.env.JALAD_CPU_FILE;
if (cpuFile)
  process.on('exit', () => {
    const u = process.resourceUsage();
    fs.writeFileSync(cpuFile, String((u.userCPUTime + u.systemCPUTime) / 1000));
  });
