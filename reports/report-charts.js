/* Draws a cacheproof report's charts with uPlot from the JSON the page embeds.
   Inlined into every report by reports/page.ts; runs in the browser, offline. */
(() => {
  const data = JSON.parse(document.getElementById('cacheproof-data').textContent);
  const HEIGHT = 260;

  function withAlpha(color, alpha) {
    const hex = /^#([0-9a-f]{6})$/i.exec(color);
    if (!hex) return color;
    const n = Number.parseInt(hex[1], 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }

  /* Fault windows as shaded bands under the series, each with its name at the top; a name
     that would run into the one before it goes a line lower, so labels never overlap. */
  function drawBands(u, bands) {
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    const line = 14 * devicePixelRatio;
    const placed = [];
    ctx.save();
    for (const band of bands) {
      const x0 = Math.max(left, u.valToPos(band.fromX, 'x', true));
      const x1 = Math.min(left + width, u.valToPos(band.toX, 'x', true));
      if (x1 <= x0) continue;
      ctx.fillStyle = withAlpha(band.color, 0.16);
      ctx.fillRect(x0, top, x1 - x0, height);
      ctx.fillStyle = band.color;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'alphabetic';
      ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
      const x = x0 + 4 * devicePixelRatio;
      const w = ctx.measureText(band.label).width;
      let row = 0;
      while (placed.some((p) => p.row === row && x < p.right + 6 * devicePixelRatio && x + w > p.left)) row++;
      placed.push({ row, left: x, right: x + w });
      ctx.fillText(band.label, x, top + 13 * devicePixelRatio + row * line);
    }
    ctx.restore();
  }

  /* Names next to scatter points, so the chart reads without the legend; a name that would
     overlap one already drawn moves down until it does not. */
  function drawPointLabels(u) {
    const ctx = u.ctx;
    const line = 14 * devicePixelRatio;
    const placed = [];
    ctx.save();
    ctx.font = `${Math.round(12 * devicePixelRatio)}px system-ui, sans-serif`;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    for (let s = 1; s < u.series.length; s++) {
      const values = u.data[s];
      for (let i = 0; i < values.length; i++) {
        if (values[i] == null) continue;
        const x = u.valToPos(u.data[0][i], 'x', true);
        const y = u.valToPos(values[i], 'y', true);
        ctx.fillStyle = u.series[s]._stroke || '#333';
        const label = u.series[s].label;
        const w = ctx.measureText(label).width;
        // Labels near the right edge go to the left of their point, so they stay inside the plot.
        const lx =
          x + 9 * devicePixelRatio + w > u.bbox.left + u.bbox.width
            ? x - 9 * devicePixelRatio - w
            : x + 9 * devicePixelRatio;
        let ly = y - 7 * devicePixelRatio;
        const hits = (p) => lx < p.right && lx + w > p.left && ly - line < p.bottom && ly > p.bottom - line;
        while (placed.some(hits)) ly += line;
        placed.push({ left: lx, right: lx + w, bottom: ly });
        ctx.fillText(label, lx, ly);
      }
    }
    ctx.restore();
  }

  /* Legend values: blank where a series has no value, never a placeholder. */
  function legendValue(_u, v) {
    if (v == null) return '';
    return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : String(Number(v.toPrecision(4)));
  }

  function seriesOptions(series) {
    const base = {
      label: series.label,
      value: legendValue,
      stroke: series.color,
      width: 2,
      spanGaps: false,
      scale: series.rightAxis ? 'y2' : 'y',
    };
    if (series.style === 'bars') {
      return {
        ...base,
        width: 1,
        fill: withAlpha(series.color, 0.7),
        paths: uPlot.paths.bars({ size: [0.7, 40] }),
        points: { show: false },
      };
    }
    if (series.style === 'points') {
      return {
        ...base,
        paths: () => null,
        points: { show: true, size: 12, fill: series.color, stroke: series.color },
      };
    }
    const secondary = series.rightAxis ? { width: 1.5, dash: [5, 3] } : {};
    return { ...base, ...secondary, points: { show: series.values.length <= 30 } };
  }

  function padRange(min, max, floor) {
    if (min === max) return [floor === undefined ? min - 1 : Math.max(floor, min - 1), max + 1];
    const pad = (max - min) * 0.1;
    return [floor === undefined ? min - pad : Math.max(floor, min - pad), max + pad];
  }

  function build(spec, element) {
    const categories = spec.xCategories;
    const rightAxis = spec.yRightLabel !== undefined || spec.sync === true;
    const options = {
      width: chartWidth(element),
      height: HEIGHT,
      legend: { live: true },
      // Time charts share one cursor: hovering a second in one shows it in all of them.
      cursor: {
        drag: { x: false, y: false },
        ...(spec.sync ? { sync: { key: 'cacheproof-time', setSeries: false } } : {}),
      },
      scales: {
        x: {
          time: false,
          range: categories
            ? () => [-0.5, categories.length - 0.5]
            : spec.xMin !== undefined && spec.xMax !== undefined
              ? () => [spec.xMin, spec.xMax]
              : spec.scatter
                ? (_u, min, max) => padRange(min, max, 0)
                : undefined,
        },
        y2: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] },
        y: {
          range: (_u, min, max) => [
            spec.yMin ?? Math.min(0, min),
            spec.yMax ?? (max > 0 ? max * (spec.pointLabels ? 1.25 : 1.08) : 1),
          ],
        },
      },
      axes: [
        {
          label: spec.xLabel,
          splits: categories ? () => categories.map((_c, i) => i) : undefined,
          values: categories ? (_u, splits) => splits.map((i) => categories[i] ?? '') : undefined,
        },
        { label: spec.yLabel, size: 64 },
        // Every time chart keeps a right axis (blank when unused), so their plots line up.
        ...(rightAxis
          ? [
              {
                label: spec.yRightLabel ?? '',
                scale: 'y2',
                side: 1,
                size: 56,
                grid: { show: false },
                ...(spec.yRightLabel === undefined ? { values: () => [], ticks: { show: false } } : {}),
              },
            ]
          : []),
      ],
      series: [
        {
          label: spec.xLabel,
          value: categories ? (_u, v) => (v == null ? '' : (categories[v] ?? '')) : legendValue,
        },
        ...spec.series.map(seriesOptions),
      ],
      hooks: {
        drawClear: [(u) => drawBands(u, spec.bands)],
        draw: spec.pointLabels ? [drawPointLabels] : [],
      },
    };
    element.textContent = '';
    return new uPlot(options, [spec.x, ...spec.series.map((s) => s.values)], element);
  }

  /* Never wider than its box (phones included); never so narrow it cannot be read. */
  function chartWidth(element) {
    return Math.max(240, element.clientWidth);
  }

  const plots = [];
  for (const spec of data.charts) {
    const element = document.querySelector(`[data-chart-id="${spec.id}"]`);
    if (element) plots.push({ plot: build(spec, element), element });
  }
  window.addEventListener('resize', () => {
    for (const { plot, element } of plots) plot.setSize({ width: chartWidth(element), height: HEIGHT });
  });
  // Read by tests and curious readers: how many charts, and when they were done (ms since navigation).
  document.documentElement.dataset.chartsDrawnMs = performance.now().toFixed(0);
  document.documentElement.dataset.chartsDrawn = String(plots.length);
})();
