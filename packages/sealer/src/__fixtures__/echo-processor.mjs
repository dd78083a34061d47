// A stand-in external processor: `node echo-processor.mjs <stage> [--silent]`. Answers each
// request after data.delay ms with {echo: data, pid, cuda, start, end}: cuda is the child's
// CUDA_VISIBLE_DEVICES, start and end when it got the request and answered. data.die makes it exit.
import { createInterface } from 'node:readline'

const stage = process.argv[2]
if (!process.argv.includes('--silent')) process.stdout.write(`${stage} processor ready\n`)
process.stdout.write('not json, skipped by the parent\n')
for await (const line of createInterface({ input: process.stdin })) {
  const { id, data } = JSON.parse(line)
  if (data?.die) process.exit(3)
  const start = Date.now()
  setTimeout(() => {
    const cuda = process.env.CUDA_VISIBLE_DEVICES ?? null
    const answer = data?.fail
      ? { id, err_msg: 'asked to fail', result: null }
      : { id, err_msg: null, result: { echo: data, pid: process.pid, cuda, start, end: Date.now() } }
    process.stdout.write(`${JSON.stringify(answer)}\n`)
  }, data?.delay ?? 0)
}
