/**
 * Types for the part of uCharts (`@qiun/ucharts`, a canvas chart library made for mini-programs and H5; it ships no
 * types) that the statistics page uses: one chart drawn once into a canvas 2d context.
 */
declare module '@qiun/ucharts' {
  export interface UChartsSeries {
    name: string;
    data: number | number[] | Array<{ name: string; value: number; color?: string }>;
    color?: string;
    format?: string;
  }

  export interface UChartsOptions {
    type: 'column' | 'bar' | 'line' | 'area' | 'pie' | 'ring' | 'rose' | 'arcbar' | 'gauge' | 'radar' | 'funnel';
    context: unknown;
    width: number;
    height: number;
    pixelRatio?: number;
    canvas2d?: boolean;
    animation?: boolean;
    background?: string;
    fontSize?: number;
    fontColor?: string;
    color?: string[];
    padding?: number[];
    categories?: string[];
    series: UChartsSeries[];
    dataLabel?: boolean;
    legend?: Record<string, unknown>;
    title?: Record<string, unknown>;
    subtitle?: Record<string, unknown>;
    xAxis?: Record<string, unknown>;
    yAxis?: Record<string, unknown>;
    extra?: Record<string, unknown>;
  }

  export default class UCharts {
    constructor(options: UChartsOptions);
    updateData(data: Partial<UChartsOptions>): void;
  }
}
