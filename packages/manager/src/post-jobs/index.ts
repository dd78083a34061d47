export {
  createPostJobQueue,
  POST_JOB_DEFAULTS,
  type PostJobEvents,
  type PostJobQueue,
  type PostJobQueueOptions,
  type PostJobRequest,
} from './queue.js'
