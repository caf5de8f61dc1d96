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

  /* Fault windows as shaded bands under the series, each with its name at the top. */
  function drawBands(u, bands) {
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
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
      ctx.fillText(band.label, x0 + 4 * devicePixelRatio, top + 13 * devicePixelRatio);
    }
    ctx.restore();
  }

  /* Names next to scatter points, so the chart reads without the legend. */
  function drawPointLabels(u) {
    const ctx = u.ctx;
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
        ctx.fillText(u.series[s].label, x + 9 * devicePixelRatio, y - 7 * devicePixelRatio);
      }
    }
    ctx.restore();
  }

  function seriesOptions(series) {
    const base = {
      label: series.label,
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
    const options = {
      width: Math.max(320, element.clientWidth),
      height: HEIGHT,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: {
          time: false,
          range: categories
            ? () => [-0.5, categories.length - 0.5]
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
        ...(spec.yRightLabel
          ? [{ label: spec.yRightLabel, scale: 'y2', side: 1, size: 56, grid: { show: false } }]
          : []),
      ],
      series: [
        {
          label: spec.xLabel,
          value: categories ? (_u, v) => (v == null ? '--' : (categories[v] ?? '')) : undefined,
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

  const plots = [];
  for (const spec of data.charts) {
    const element = document.querySelector(`[data-chart-id="${spec.id}"]`);
    if (element) plots.push({ plot: build(spec, element), element });
  }
  window.addEventListener('resize', () => {
    for (const { plot, element } of plots)
      plot.setSize({ width: Math.max(320, element.clientWidth), height: HEIGHT });
  });
  // Read by tests and curious readers: how many charts, and when they were done (ms since navigation).
  document.documentElement.dataset.chartsDrawnMs = performance.now().toFixed(0);
  document.documentElement.dataset.chartsDrawn = String(plots.length);
})();
