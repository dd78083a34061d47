// A stand-in external processor: `node echo-processor.mjs <stage> [--silent]`. Answers each
// request after data.delay ms with {echo: data, pid}; data.die makes it exit at once.
import { createInterface } from 'node:readline'

const stage = process.argv[2]
if (!process.argv.includes('--silent')) process.stdout.write(`${stage} processor ready\n`)
process.stdout.write('not json, skipped by the parent\n')
for await (const line of createInterface({ input: process.stdin })) {
  const { id, data } = JSON.parse(line)
  if (data?.die) process.exit(3)
  setTimeout(() => {
    const answer = data?.fail
      ? { id, err_msg: 'asked to fail', result: null }
      : { id, err_msg: null, result: { echo: data, pid: process.pid } }
    process.stdout.write(`${JSON.stringify(answer)}\n`)
  }, data?.delay ?? 0)
}
