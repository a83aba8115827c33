import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC_ROUTE = 'mlwb:public-route';

/**
 * Opens a controller or one handler to callers without the API key (probes, metrics, the
 * dashboard's own page and files). Everything else served by a Nest controller needs the key
 * when API_KEY is set: the global ApiKeyGuard denies by default.
 */
export const Public = (): ClassDecorator & MethodDecorator => SetMetadata(IS_PUBLIC_ROUTE, true);
