import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useId, useRef } from 'react';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export interface ChartSeries {
  name: string;
  type: 'bar' | 'line';
  data: number[];
  color?: string;
}

/**
 * One ECharts chart (bars or lines over categories), drawn on a canvas and named for screen readers by `label`;
 * with `titled`, the label is also its visible title, above it (what its days or hours are, for one).
 */
export function RegistryChart({
  label,
  categories,
  series,
  height = 320,
  titled = false,
}: {
  label: string;
  /** Draw the label as the chart's title, above it, naming the image. */
  titled?: boolean;
  categories: string[];
  series: ChartSeries[];
  height?: number;
}) {
  const node = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    if (!node.current) return;
    const instance = echarts.init(node.current);
    chart.current = instance;
    const resize = () => instance.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(
      {
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 48, right: 16, top: 36, bottom: 64 },
        xAxis: { type: 'category', data: categories, axisLabel: { rotate: categories.length > 6 ? 30 : 0 } },
        yAxis: { type: 'value', minInterval: 1 },
        series: series.map((s) => ({
          name: s.name,
          type: s.type,
          data: s.data,
          ...(s.color ? { itemStyle: { color: s.color }, lineStyle: { color: s.color } } : {}),
        })),
      },
      true,
    );
  }, [categories, series]);

  // The canvas is one image named by `label`; the same figures are in the table beside each chart.
  const canvas = <div ref={node} style={{ width: '100%', height }} />;
  if (!titled) {
    return (
      <div role="img" aria-label={label}>
        {canvas}
      </div>
    );
  }
  return (
    <>
      <div id={titleId} style={{ fontWeight: 600, margin: '16px 0 8px' }}>
        {label}
      </div>
      <div role="img" aria-labelledby={titleId}>
        {canvas}
      </div>
    </>
  );
}
