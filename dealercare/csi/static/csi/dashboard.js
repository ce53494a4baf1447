// CSI charts: each [data-chart] element draws one table of the #csi-tables JSON with ECharts.
// The tables hold display values (strings, rounded once on the server); charts only parse them.
(function () {
  const source = document.getElementById("csi-tables");
  if (!source || !window.echarts) return;
  const tables = JSON.parse(source.textContent);
  const num = (v) => (v === null || v === undefined || v === "" ? null : Number(v));
  const colours = ["#2fb344", "#74b816", "#f59f00", "#f76707", "#d63939"];

  function bar(table, labelCol, valueCol, horizontal) {
    const labels = table.rows.map((r) => r[labelCol]);
    const values = table.rows.map((r) => num(r[valueCol]));
    const cat = { type: "category", data: labels, axisLabel: { width: 140, overflow: "truncate" } };
    const val = { type: "value", min: 0 };
    return {
      tooltip: { trigger: "axis" }, grid: { left: horizontal ? 150 : 40, right: 20, top: 20, bottom: 40 },
      xAxis: horizontal ? val : cat, yAxis: horizontal ? Object.assign(cat, { inverse: true }) : val,
      series: [{ type: "bar", data: values, label: { show: true, position: horizontal ? "right" : "top" } }],
    };
  }

  const builders = {
    summary: (t) => bar(t, 0, 1, false),
    stores: (t) => bar(t, 1, 2, true),
    breakdown: (t) => bar(t, 1, 2, true),
    drivers: (t) => bar(t, 1, 2, true),
    trend: (t) => {
      const series = t.headers.slice(1, -1).map((name, i) => ({
        name, type: "line", connectNulls: false, data: t.rows.map((r) => num(r[i + 1])),
        lineStyle: { width: i === 0 ? 3 : 1 },
      }));
      return {
        tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 40, right: 20, top: 40, bottom: 30 },
        xAxis: { type: "category", data: t.rows.map((r) => r[0]) }, yAxis: { type: "value", scale: true },
        series,
      };
    },
    items: (t) => {
      const labels = t.rows.map((r) => r[0]);
      const series = t.headers.slice(4).map((name, i) => ({
        name, type: "bar", stack: "levels", itemStyle: { color: colours[i] },
        data: t.rows.map((r) => num(r[i + 4])),
      }));
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } }, legend: { top: 0 },
        grid: { left: 220, right: 20, top: 40, bottom: 20 },
        xAxis: { type: "value", max: 100 },
        yAxis: { type: "category", data: labels, inverse: true, axisLabel: { width: 210, overflow: "truncate" } },
        series,
      };
    },
    sources: (t) => ({
      tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 40, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "category", data: t.rows.map((r) => r[0]), axisLabel: { interval: 0, rotate: 20 } },
      yAxis: { type: "value", scale: true },
      series: [1, 2].map((col) => ({ name: t.headers[col], type: "bar", data: t.rows.map((r) => num(r[col])) })),
    }),
  };

  document.querySelectorAll("[data-chart]").forEach(function (el) {
    const table = tables[el.dataset.chart];
    const build = builders[el.dataset.chart];
    if (!table || !build || !table.rows.length) return;
    const chart = window.echarts.init(el);
    chart.setOption(build(table));
    window.addEventListener("resize", () => chart.resize());
  });
})();
