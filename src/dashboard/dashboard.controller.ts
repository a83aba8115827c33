import * as fs from 'node:fs';
import * as path from 'node:path';
import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { NotFoundError } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { dashboardAssets, publicDir, type DashboardAsset } from './dashboard.assets';
import { Public } from '../common/auth/public.decorator';

/** The page may load only its own scripts and styles and talk only to this service. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The web dashboard at /ui: one HTML page and its static files. It is not part of the API
 * (and not under /api, so it opens without a key); the page itself calls the API with
 * the key the user enters.
 */
@ApiExcludeController()
@Public()
@Controller('ui')
export class DashboardController {
  private readonly html: Buffer;
  private readonly assets: Map<string, DashboardAsset>;
  private readonly cache = new Map<string, Buffer>();

  constructor(config: AppConfig) {
    const dir = publicDir();
    // Whether the API wants a key (never the key itself), so the page asks for one
    // before it calls the API instead of collecting 401s.
    const template = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
    this.html = Buffer.from(template.replace('{{AUTH_REQUIRED}}', config.apiKey ? 'true' : 'false'));
    this.assets = dashboardAssets(dir);
  }

  @Get()
  page(@Res() reply: FastifyReply): void {
    this.send(reply, this.html, 'text/html; charset=utf-8', 'no-cache');
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() reply: FastifyReply): void {
    const asset = this.assets.get(name);
    if (!asset) throw new NotFoundError(`No dashboard asset ${name}`, null, 'ROUTE_NOT_FOUND');
    let body = this.cache.get(name);
    if (!body) {
      body = asset.body ?? fs.readFileSync(asset.file);
      this.cache.set(name, body);
    }
    this.send(reply, body, asset.contentType, 'no-cache');
  }

  private send(reply: FastifyReply, body: Buffer, contentType: string, cacheControl: string): void {
    void reply
      .type(contentType)
      .header('Cache-Control', cacheControl)
      .header('Content-Security-Policy', CSP)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Referrer-Policy', 'no-referrer')
      .send(body);
  }
}
