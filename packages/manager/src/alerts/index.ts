export {
  ALERT_MAX_BODY_BYTES,
  type Alert,
  type AlertWebhook,
  type AlertWebhookOptions,
  checkAlertWebhookUrl,
  createAlertWebhook,
} from './webhook.js'
