import { runService } from '@flotilla/kit';
import { withDotEnv } from '@flotilla/kit/config';
import { usersService } from './users-service.js';

await runService(usersService, withDotEnv(process.env, process.cwd()));
