# Draws a line chart as SVG from lines "SERIES<TAB>X<TAB>Y" (x numeric, one point per line, in x
# order within a series). usage: awk -F'\t' -v title=T -v xlabel=X -v ylabel=Y [-v logy=1] -f svg-lines.awk
function px(x) { return left + (x - xmin) / (xmax - xmin) * width }
function py(y) { if (logy) y = log(y) / log(10); return top + height - (y - ymin) / (ymax - ymin) * height }
function floor(x) { return x < 0 && x != int(x) ? int(x) - 1 : int(x) }
function nice(step,   mag) {  # 1, 2 or 5 times a power of ten, at least step
  if (step <= 0) return 1
  mag = 10 ^ floor(log(step) / log(10)); step /= mag
  return (step <= 1 ? 1 : step <= 2 ? 2 : step <= 5 ? 5 : 10) * mag
}
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); return s }
BEGIN { left = 70; top = 40; width = 460; height = 280; n = 0; ns = 0
        split("#1f77b4 #d62728 #2ca02c #ff7f0e #9467bd #8c564b #e377c2 #7f7f7f", colour, " ") }
$3 != "" {
  if (!($1 in seen)) { seen[$1] = ++ns; name[ns] = $1 }
  s = seen[$1]; k = ++count[s]; xs[s, k] = $2 + 0; ys[s, k] = $3 + 0
  if (n++ == 0) { xmin = xmax = $2 + 0; ymin = ymax = $3 + 0 }
  if ($2 + 0 < xmin) xmin = $2 + 0; if ($2 + 0 > xmax) xmax = $2 + 0
  if ($3 + 0 < ymin) ymin = $3 + 0; if ($3 + 0 > ymax) ymax = $3 + 0
}
END {
  if (n == 0) exit 1
  if (logy) { ymin = log(ymin) / log(10); ymax = log(ymax) / log(10); ymin = int(ymin) - (ymin < int(ymin)); ymax = int(ymax) + (ymax > int(ymax)) }
  else { ymin = ymin > 0 ? 0 : ymin; ymax = nice(ymax / 4) * 4 }
  if (xmax == xmin) xmax = xmin + 1
  if (ymax == ymin) ymax = ymin + 1
  printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", left + width + 200, top + height + 60
  printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
  printf "<text x=\"%d\" y=\"20\" font-size=\"14\">%s</text>\n", left, esc(title)
  printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", left, top + height, left + width, top + height
  printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", left, top, left, top + height
  ticks = logy ? ymax - ymin : 4  # log axes: one tick per power of ten
  for (i = 0; i <= ticks; ++i) {
    v = ymin + (ymax - ymin) * i / ticks; y = top + height - height * i / ticks
    label = logy ? sprintf("%g", 10 ^ v) : sprintf("%.3g", v)
    printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", left, y, left + width, y
    printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", left - 5, y + 4, label
  }
  for (s = 1; s <= ns; ++s) for (k = 1; k <= count[s]; ++k) xtick[xs[s, k]] = 1
  for (x in xtick) printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", px(x), top + height + 18, x
  printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", left + width / 2, top + height + 40, esc(xlabel)
  printf "<text x=\"15\" y=\"%d\" transform=\"rotate(-90 15 %d)\" text-anchor=\"middle\">%s</text>\n", top + height / 2, top + height / 2, esc(ylabel)
  for (s = 1; s <= ns; ++s) {
    c = colour[(s - 1) % 8 + 1]; dash = s > 8 ? " stroke-dasharray=\"5,3\"" : ""
    if (name[s] ~ /pipelined|dashed/) dash = " stroke-dasharray=\"5,3\""
    points = ""
    for (k = 1; k <= count[s]; ++k) points = points sprintf("%.1f,%.1f ", px(xs[s, k]), py(ys[s, k]))
    printf "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"%s\"/>\n", c, dash, points
    for (k = 1; k <= count[s]; ++k) printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", px(xs[s, k]), py(ys[s, k]), c
    printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>\n", left + width + 15, top + 16 * s, left + width + 40, top + 16 * s, c, dash
    printf "<text x=\"%d\" y=\"%d\">%s</text>\n", left + width + 45, top + 16 * s + 4, esc(name[s])
  }
  print "</svg>"
}
