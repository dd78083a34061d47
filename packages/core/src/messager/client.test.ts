import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { customTransport } from '../rpc/transports.js'
import { classifyMessage, createMessagerClient } from './client.js'
import { type MessagerMessage, MessageState, messageStateName } from './types.js'

const samples = JSON.parse(
  readFileSync(new URL('../chain/__fixtures__/lotus-responses.json', import.meta.url), 'utf8'),
) as Record<string, unknown>
const landed = samples['Message.GetMessageByUid'] as MessagerMessage

describe('createMessagerClient', () => {
  it('calls Message.* with positional params and decodes MessagerMessage', async () => {
    const calls: [string, unknown[]][] = []
    const m = createMessagerClient(
      customTransport({
        request: async (method, params) => {
          calls.push([method, params])
          return JSON.parse(JSON.stringify(samples[method] ?? null))
        },
      }),
    )
    const msg = { ...landed }
    expect(await m.hasMessageByUid('abc')).toBe(false)
    expect(await m.pushMessageWithId('0f7ba7a9-4b73-4d1b-8c41-2c3b3e6f1b2a', msg)).toBe(
      '0f7ba7a9-4b73-4d1b-8c41-2c3b3e6f1b2a',
    )
    const got = await m.getMessageByUid('0f7ba7a9-4b73-4d1b-8c41-2c3b3e6f1b2a')
    expect(got.State).toBe(MessageState.OnChainMsg)
    expect(got.Receipt?.ExitCode).toBe(0)
    expect(got.Meta?.gasOverEstimation).toBe(1.25)
    await m.markBadMessage('x')
    expect(calls.map(([method, p]) => [method, p.length])).toEqual([
      ['Message.HasMessageByUid', 1],
      ['Message.PushMessageWithId', 3],
      ['Message.GetMessageByUid', 1],
      ['Message.MarkBadMessage', 1],
    ])
    expect(calls[1]?.[1][2]).toBeNull()
  })

  it('classifies messages as damocles does', () => {
    const base = { ...landed }
    expect(classifyMessage(base, 5)).toMatchObject({ kind: 'success', height: 10101 })
    expect(classifyMessage(base, 10)).toEqual({ kind: 'pending' })
    expect(classifyMessage({ ...base, Receipt: { ...base.Receipt!, ExitCode: 7 } })).toMatchObject({
      kind: 'temporary-failure',
    })
    expect(classifyMessage({ ...base, Receipt: { ...base.Receipt!, ExitCode: 16 } })).toMatchObject({
      kind: 'permanent-failure',
      error: 'exit code 16',
    })
    expect(classifyMessage({ ...base, State: MessageState.FailedMsg })).toMatchObject({
      kind: 'permanent-failure',
    })
    expect(
      classifyMessage({ ...base, State: MessageState.UnFillMsg, Receipt: null, ErrorMsg: 'actor aborted' }),
    ).toEqual({
      kind: 'pending',
      error: 'actor aborted',
    })
    expect(messageStateName(5)).toBe('NonceConflictMsg')
    expect(messageStateName(9)).toBe('Unknown(9)')
  })
})
