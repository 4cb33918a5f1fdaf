import { Grid, type TableProps } from 'antd';

/**
 * A table's `scroll` for the screen it is on: on a phone (below 576 px, antd's "sm") the table scrolls inside its
 * card, at its content's width — its columns spilled past the screen's edge and the whole page scrolled sideways.
 * Wider screens keep `scroll` as given and the columns wrapping: a table always scrolling at its content's width is
 * a scrollable region no keyboard reaches (axe "scrollable-region-focusable") wherever a long cell overflows it.
 */
export function useTableScroll<T>(scroll?: TableProps<T>['scroll']): TableProps<T>['scroll'] {
  const wide = Grid.useBreakpoint().sm !== false;
  return wide ? scroll : { ...scroll, x: 'max-content' };
}
