import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsInt, IsNumber, IsString, Max, Min, ValidateNested } from 'class-validator';

class ProbeItem {
  @IsNumber({ allowNaN: false, allowInfinity: false })
  value: number;
}

class ProbeBody {
  @IsString()
  name: string;

  @IsInt()
  @Min(1)
  @Max(10)
  count: number;

  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => ProbeItem)
  items: ProbeItem[];
}

/** Routes that exist only in tests, to exercise the global pipe, filter and auth. */
@Controller('api/v1/__probe')
class ProbeController {
  @Post('echo')
  echo(@Body() body: ProbeBody) {
    return { received: body };
  }

  @Get('boom')
  boom(): never {
    throw new Error('secret internal detail: password=hunter2 at /srv/internal.ts:42');
  }

  @Get('slow')
  async slow() {
    await new Promise((r) => setTimeout(r, 800));
    return { finished: true };
  }

  /** A handler slower than the test's BODY_IDLE_TIMEOUT_MS, after its body has arrived. */
  @Post('slow-echo')
  async slowEcho(@Body() body: ProbeBody) {
    await new Promise((r) => setTimeout(r, 1500));
    return { received: body };
  }

  @Get('ok')
  ok() {
    return { ok: true };
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
