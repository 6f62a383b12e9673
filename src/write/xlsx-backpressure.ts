import { setTimeout as sleep } from 'node:timers/promises';
import type ExcelJS from 'exceljs';

/** How much sheet XML may wait for the compressor; beyond it the producer pauses. */
const MAX_PENDING_BYTES = 2 * 1024 * 1024;

/** The parts of exceljs's internal sheet stream (a StreamBuf) the throttle reads; absent if exceljs changes. */
interface SheetStreamInternals {
  stream?: {
    pipes?: Array<{ _writableState?: { length?: number }; once(event: 'drain', f: () => void): unknown }>;
    buffers?: unknown[];
  };
}

/**
 * Backpressure the streaming writer does not have: its sheet stream pushes XML into the zip without looking at
 * write()'s return, so a fast producer piles up the whole sheet in memory (500 MB for a million rows, measured).
 * Waits until the zip's input has drained below MAX_PENDING_BYTES. The sheet stream only gets a consumer when
 * the zip reaches it (a second sheet waits for the first), and holds 64 KB buffers until then.
 */
export async function zipCaughtUp(sheet: ExcelJS.Worksheet): Promise<void> {
  const stream = (sheet as unknown as SheetStreamInternals).stream;
  if (!stream) return;
  for (;;) {
    const pipe = stream.pipes?.[0];
    if (pipe) {
      if ((pipe._writableState?.length ?? 0) <= MAX_PENDING_BYTES) return;
      await new Promise<void>((resolve) => pipe.once('drain', resolve));
    } else {
      if ((stream.buffers?.length ?? 0) * 65_536 <= MAX_PENDING_BYTES) return;
      await sleep(10);
    }
  }
}

/** Rows between two looks at the zip's backlog. */
export const THROTTLE_EVERY_ROWS = 256;
