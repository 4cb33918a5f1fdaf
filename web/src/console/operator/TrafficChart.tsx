import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import { useT } from '../../shared/i18n.tsx';
import { formatDateTime } from '../../shared/time.ts';

// Only the parts this chart uses, so the console's bundle carries no more of ECharts than that.
echarts.use([LineChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

export interface TrafficPoint {
  at: string;
  calls: number;
  refused: number;
  errors: number;
  /** errors / (calls − refused): over the calls passed on to the provider (null when none was). */
  errorRate: number | null;
}

/**
 * Calls per bucket (area) and the error rate (line, right axis), labelled in Vietnam time. The chart is an image
 * to assistive technology, with its totals as the text alternative.
 */
export function TrafficChart({ points }: { points: TrafficPoint[] }) {
  const t = useT();
  const host = useRef<HTMLDivElement>(null);
  const calls = points.reduce((sum, p) => sum + p.calls, 0);
  const refused = points.reduce((sum, p) => sum + p.refused, 0);
  const errors = points.reduce((sum, p) => sum + p.errors, 0);

  useEffect(() => {
    if (!host.current) return;
    const chart = echarts.init(host.current, undefined, { renderer: 'svg' });
    const callsName = t('Lượt gọi', 'Calls');
    const rateName = t('Tỉ lệ lỗi (%)', 'Error rate (%)');
    chart.setOption({
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: { data: [callsName, rateName], bottom: 0 },
      grid: { left: 56, right: 56, top: 40, bottom: 64 },
      xAxis: { type: 'category', boundaryGap: false, data: points.map((p) => formatDateTime(p.at)) },
      yAxis: [
        { type: 'value', name: callsName, minInterval: 1 },
        { type: 'value', name: rateName, min: 0, max: 100 },
      ],
      series: [
        {
          name: callsName,
          type: 'line',
          areaStyle: { opacity: 0.25 },
          showSymbol: false,
          data: points.map((p) => p.calls),
        },
        {
          name: rateName,
          type: 'line',
          yAxisIndex: 1,
          showSymbol: false,
          color: '#cf1322',
          // The gateway's refusals are no failure of the services: the rate is over the calls passed on.
          data: points.map((p) => Math.round((p.errorRate ?? 0) * 1000) / 10),
        },
      ],
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [points, t]);

  return (
    <div
      ref={host}
      role="img"
      data-testid="traffic-chart"
      aria-label={t(
        `Biểu đồ lưu lượng: ${calls} lượt gọi, ${refused} bị từ chối, ${errors} lỗi trong khoảng đã chọn`,
        `Traffic chart: ${calls} calls, ${refused} refused, ${errors} errors in the chosen period`,
      )}
      style={{ width: '100%', height: 300 }}
    />
  );
}
