import { Select } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { problemText } from '../../shared/api.ts';
import { type Translate, useT } from '../../shared/i18n.tsx';
import { READABLE_PLACEHOLDER } from './page.tsx';

export interface Option {
  value: string;
  label: string;
}

/**
 * A select whose options come from a list operation searched on the server (`q`, one small page): choosing a
 * system among thousands never loads them all.
 */
export function RemoteSelect({
  id,
  value,
  onChange,
  search,
  placeholder,
  ariaLabel,
  style,
}: {
  id?: string;
  value?: string | null;
  onChange?: (value: string | undefined) => void;
  /** One page of options for the text typed (empty: the first page), its names in the reader's language. */
  search: (text: string, t: Translate) => Promise<Option[]>;
  placeholder?: string;
  ariaLabel?: string;
  style?: React.CSSProperties;
}) {
  const t = useT();
  const [options, setOptions] = useState<Option[]>([]);
  const [loading, setLoading] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const searchRef = useRef(search);
  searchRef.current = search;
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef(0);

  const load = (text: string) => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      const ticket = ++latest.current;
      setLoading(true);
      searchRef
        .current(text.trim(), t)
        .then((found) => {
          if (ticket !== latest.current) return;
          setOptions(found);
          setFailure(null);
        })
        .catch((err) => ticket === latest.current && setFailure(problemText(err, t)))
        .finally(() => ticket === latest.current && setLoading(false));
    }, 250);
  };

  // The first page on mount, and again in the language the reader switches to (the options' names are in it).
  // biome-ignore lint/correctness/useExhaustiveDependencies: `load` is new each render; `t` is the language
  useEffect(() => {
    load('');
    return () => clearTimeout(timer.current);
  }, [t]);

  return (
    <Select
      id={id}
      aria-label={ariaLabel}
      showSearch={{ filterOption: false, onSearch: load }}
      allowClear
      value={value ?? undefined}
      onChange={(next) => onChange?.(next ?? undefined)}
      options={options}
      loading={loading}
      placeholder={placeholder}
      styles={READABLE_PLACEHOLDER}
      notFoundContent={failure ?? t('Không có kết quả', 'Nothing found')}
      style={{ minWidth: 220, ...style }}
    />
  );
}
