import { runService } from '@flotilla/kit';
import { withDotEnv } from '@flotilla/kit/config';
import { notificationsService } from './notifications-service.js';

await runService(notificationsService, withDotEnv(process.env, process.cwd()));
