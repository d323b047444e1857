import { createElement, memo, useEffect, useRef, useState } from 'react';
import Taro from '@tarojs/taro';
import { Canvas, View } from '@tarojs/components';
import UCharts, { type UChartsOptions } from '@qiun/ucharts';

/**
 * One chart of the statistics page, drawn by uCharts into a canvas 2d context: in WeChat a `<Canvas type="2d">`
 * found with a selector query, in the browser a plain `<canvas>` (Taro's H5 canvas is a web component that resets
 * its pixels whenever it re-renders itself, which it does right after mounting). Drawn once per `options`.
 */
export type ChartOptions = Omit<UChartsOptions, 'context' | 'width' | 'height' | 'pixelRatio' | 'canvas2d'>;

interface CanvasNode {
  width: number;
  height: number;
  getContext(kind: '2d'): unknown;
}

interface NodeInfo {
  node?: CanvasNode | null;
  width?: number;
  height?: number;
}

let nextId = 0;

/** The canvas can take a few frames to exist (H5 draws it inside a web component): ask again this many times. */
const FIND_ATTEMPTS = 40;

const IS_H5 = process.env.TARO_ENV === 'h5';

/** Draws at the screen's real pixels, shown at CSS size, so text stays sharp. */
function paint(canvas: CanvasNode, cssWidth: number, cssHeight: number, options: ChartOptions): void {
  const ratio = Taro.getWindowInfo().pixelRatio || 1;
  canvas.width = Math.round(cssWidth * ratio);
  canvas.height = Math.round(cssHeight * ratio);
  new UCharts({
    ...options,
    context: canvas.getContext('2d'),
    width: canvas.width,
    height: canvas.height,
    pixelRatio: ratio,
    canvas2d: true,
    animation: false,
  });
}

function StaffChart({ options, height, label }: { options: ChartOptions; height: number; label: string }) {
  const [id] = useState(() => `staff-chart-${++nextId}`);
  const h5Canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    let cancelled = false;
    let attempts = 0;
    const again = () => {
      if (++attempts < FIND_ATTEMPTS) setTimeout(draw, 50);
    };
    const draw = () => {
      if (cancelled) return;
      if (IS_H5) {
        const canvas = h5Canvas.current;
        if (canvas && canvas.clientWidth > 0) paint(canvas, canvas.clientWidth, canvas.clientHeight, options);
        else again();
        return;
      }
      Taro.createSelectorQuery()
        .select(`#${id}`)
        .fields({ node: true, size: true })
        .exec((results: Array<NodeInfo | null>) => {
          if (cancelled) return;
          const info = results[0];
          const canvas = info?.node;
          if (!canvas || !info.width || !info.height) {
            again();
            return;
          }
          paint(canvas, info.width, info.height, options);
        });
    };
    Taro.nextTick(draw);
    return () => {
      cancelled = true;
    };
  }, [id, options]);

  // the label goes on a wrapper: a screen reader (and the e2e suite) knows what the picture shows
  return (
    <View className='staff-chart' aria-label={label} role='img'>
      {IS_H5 ? (
        createElement('canvas', { ref: h5Canvas, style: { width: '100%', height: `${height}px`, display: 'block' } })
      ) : (
        <Canvas type='2d' id={id} style={{ width: '100%', height: `${height}px` }} />
      )}
    </View>
  );
}

/** Memoised: the canvas is redrawn only when its own figures change, not when the page around it re-renders. */
export default memo(StaffChart);
