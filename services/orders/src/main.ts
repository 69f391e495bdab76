import { runService } from '@flotilla/kit';
import { withDotEnv } from '@flotilla/kit/config';
import { ordersService } from './orders-service.js';

await runService(ordersService, withDotEnv(process.env, process.cwd()));
