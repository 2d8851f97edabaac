// Package svg writes the report's plots as standalone SVG: line charts (linear or log axes) and
// bar charts, with axes, ticks and a legend. No dependencies; every text is XML-escaped and
// non-finite or non-positive-on-log values are dropped rather than drawn.
package svg

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Palette is the series colours, in order (Okabe–Ito, readable by colour-blind readers).
var Palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999", "#8C6D1F", "#F0E442"}

// Series is one line of a LineChart.
type Series struct {
	Name   string
	X, Y   []float64
	Dashed bool
	Color  string // empty: the palette's next colour
}

// LineChart plots series against shared axes.
type LineChart struct {
	Title, XLabel, YLabel string
	LogX, LogY            bool
	XTicks                []float64 // explicit x ticks (e.g. 1, 2, 4 … 64); empty: automatic
	YMin                  float64   // when non-zero (or YMinSet), the y axis starts here
	YMinSet               bool
	Width, Height         int
	Markers               bool // a dot at every point
	Series                []Series
}

// Bar is one bar of a BarChart.
type Bar struct {
	Label string
	Value float64
	Text  string // printed above the bar; empty: the value
	Color string
}

// RefLine is a horizontal reference line across a bar chart (a target, a price).
type RefLine struct {
	Label string
	Y     float64
}

// BarChart draws one bar per entry.
type BarChart struct {
	Title, YLabel string
	LogY          bool
	Width, Height int
	Bars          []Bar
	RefLines      []RefLine
}

const (
	padLeft   = 78
	padRight  = 20
	padTop    = 40
	padBottom = 58
	legendW   = 210
)

type axis struct {
	log      bool
	min, max float64 // in data units (log: > 0)
	lo, hi   float64 // pixel range
}

func (a axis) pos(v float64) float64 {
	if a.log {
		lv, lmin, lmax := math.Log10(v), math.Log10(a.min), math.Log10(a.max)
		return a.lo + (lv-lmin)/(lmax-lmin)*(a.hi-a.lo)
	}
	return a.lo + (v-a.min)/(a.max-a.min)*(a.hi-a.lo)
}

func usable(v float64, log bool) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && (!log || v > 0)
}

// dataRange returns the range of the usable values, padded to whole decades on log axes and to
// nice numbers on linear ones.
func dataRange(vals []float64, log bool, zeroBase bool) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if usable(v, log) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 1) {
		return 0, 1, false
	}
	if log {
		lo = math.Pow(10, math.Floor(math.Log10(lo)))
		hi = math.Pow(10, math.Ceil(math.Log10(hi)))
		if lo == hi {
			hi = lo * 10
		}
		return lo, hi, true
	}
	if zeroBase && lo > 0 {
		lo = 0
	}
	if lo == hi {
		if lo == 0 {
			hi = 1
		} else {
			lo, hi = lo-math.Abs(lo)/2, hi+math.Abs(hi)/2
		}
	}
	step := niceStep((hi - lo) / 5)
	return math.Floor(lo/step) * step, math.Ceil(hi/step) * step, true
}

func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*mag {
			return m * mag
		}
	}
	return 10 * mag
}

func ticks(a axis) []float64 {
	var out []float64
	if a.log {
		decades := math.Log10(a.max) - math.Log10(a.min)
		mults := []float64{1}
		if decades <= 2 {
			mults = []float64{1, 2, 5}
		}
		for d := math.Floor(math.Log10(a.min)); d <= math.Ceil(math.Log10(a.max)); d++ {
			for _, m := range mults {
				v := m * math.Pow(10, d)
				if v >= a.min*(1-1e-9) && v <= a.max*(1+1e-9) {
					out = append(out, v)
				}
			}
		}
		return out
	}
	step := niceStep((a.max - a.min) / 5)
	for v := a.min; v <= a.max+step*1e-9; v += step {
		out = append(out, v)
	}
	return out
}

// Num formats a tick or value compactly: 1.5k, 20, 0.25, 1e-05 style only when unavoidable.
func Num(v float64) string {
	av := math.Abs(v)
	switch {
	case v == 0:
		return "0"
	case av >= 1e6:
		return trim(strconv.FormatFloat(v/1e6, 'f', 1, 64)) + "M"
	case av >= 1e4:
		return trim(strconv.FormatFloat(v/1e3, 'f', 1, 64)) + "k"
	case av >= 1:
		return trim(strconv.FormatFloat(v, 'f', 2, 64))
	case av >= 0.001:
		return trim(strconv.FormatFloat(v, 'f', 4, 64))
	default:
		return strconv.FormatFloat(v, 'g', 2, 64)
	}
}

func trim(s string) string {
	if bytes.IndexByte([]byte(s), '.') < 0 {
		return s
	}
	for len(s) > 0 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

type doc struct {
	b    bytes.Buffer
	w, h int
}

func newDoc(w, h int, title string) *doc {
	d := &doc{w: w, h: h}
	fmt.Fprintf(&d.b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&d.b, `<title>%s</title>`+"\n", esc(title))
	fmt.Fprintf(&d.b, `<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`+"\n", w, h)
	fmt.Fprintf(&d.b, `<text x="%d" y="22" font-size="15" font-weight="bold" text-anchor="middle">%s</text>`+"\n", w/2, esc(title))
	return d
}

func (d *doc) text(x, y float64, anchor, s string, extra string) {
	fmt.Fprintf(&d.b, `<text x="%.1f" y="%.1f" text-anchor="%s"%s>%s</text>`+"\n", x, y, anchor, extra, esc(s))
}

func (d *doc) line(x1, y1, x2, y2 float64, stroke string, width float64, dash string) {
	da := ""
	if dash != "" {
		da = fmt.Sprintf(` stroke-dasharray="%s"`, dash)
	}
	fmt.Fprintf(&d.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%.1f"%s/>`+"\n", x1, y1, x2, y2, stroke, width, da)
}

func (d *doc) end() []byte {
	d.b.WriteString("</svg>\n")
	return d.b.Bytes()
}

func (d *doc) axes(x, y axis, xt, yt []float64, xLabel, yLabel string) {
	// Grid and tick labels.
	for _, v := range yt {
		py := y.pos(v)
		d.line(x.lo, py, x.hi, py, "#e5e5e5", 1, "")
		d.text(x.lo-6, py+4, "end", Num(v), "")
	}
	for _, v := range xt {
		px := x.pos(v)
		d.line(px, y.hi, px, y.lo, "#f0f0f0", 1, "")
		d.text(px, y.lo+16, "middle", Num(v), "")
	}
	d.line(x.lo, y.lo, x.hi, y.lo, "#333333", 1, "")
	d.line(x.lo, y.lo, x.lo, y.hi, "#333333", 1, "")
	d.text((x.lo+x.hi)/2, float64(d.h)-14, "middle", xLabel, "")
	fmt.Fprintf(&d.b, `<text x="16" y="%.1f" text-anchor="middle" transform="rotate(-90 16 %.1f)">%s</text>`+"\n", (y.lo+y.hi)/2, (y.lo+y.hi)/2, esc(yLabel))
}

// SVG renders the chart.
func (c *LineChart) SVG() []byte {
	w, h := c.Width, c.Height
	if w == 0 {
		w = 760
	}
	if h == 0 {
		h = 420
	}
	var xs, ys []float64
	for _, s := range c.Series {
		xs = append(xs, s.X...)
		ys = append(ys, s.Y...)
	}
	xs = append(xs, c.XTicks...)
	if c.YMinSet {
		ys = append(ys, c.YMin)
	}
	xmin, xmax, _ := dataRange(xs, c.LogX, false)
	if len(c.XTicks) > 0 && c.LogX {
		sort.Float64s(c.XTicks)
		xmin, xmax = c.XTicks[0], c.XTicks[len(c.XTicks)-1]
		if xmin == xmax {
			xmax = xmin * 2
		}
	}
	ymin, ymax, _ := dataRange(ys, c.LogY, true)
	d := newDoc(w, h, c.Title)
	x := axis{log: c.LogX, min: xmin, max: xmax, lo: padLeft, hi: float64(w - padRight - legendW)}
	y := axis{log: c.LogY, min: ymin, max: ymax, lo: float64(h - padBottom), hi: padTop}
	xt := c.XTicks
	if len(xt) == 0 {
		xt = ticks(x)
	}
	d.axes(x, y, xt, ticks(y), c.XLabel, c.YLabel)
	for i, s := range c.Series {
		color := s.Color
		if color == "" {
			color = Palette[i%len(Palette)]
		}
		var pts bytes.Buffer
		n := 0
		for j := range min(len(s.X), len(s.Y)) {
			if !usable(s.X[j], c.LogX) || !usable(s.Y[j], c.LogY) {
				continue
			}
			fmt.Fprintf(&pts, "%.1f,%.1f ", x.pos(s.X[j]), y.pos(s.Y[j]))
			n++
		}
		dash := ""
		if s.Dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		if n > 0 {
			fmt.Fprintf(&d.b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`+"\n", color, dash, bytes.TrimSpace(pts.Bytes()))
			for j := range min(len(s.X), len(s.Y)) {
				if c.Markers && usable(s.X[j], c.LogX) && usable(s.Y[j], c.LogY) {
					fmt.Fprintf(&d.b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`+"\n", x.pos(s.X[j]), y.pos(s.Y[j]), color)
				}
			}
		}
		// Legend entry.
		ly := float64(padTop + 10 + 18*i)
		lx := float64(w - legendW + 4)
		d.line(lx, ly-4, lx+22, ly-4, color, 2, map[bool]string{true: "6 4"}[s.Dashed])
		d.text(lx+28, ly, "start", s.Name, ` font-size="11"`)
	}
	return d.end()
}

// SVG renders the chart.
func (c *BarChart) SVG() []byte {
	w, h := c.Width, c.Height
	if w == 0 {
		w = 760
	}
	if h == 0 {
		h = 420
	}
	var vals []float64
	for _, b := range c.Bars {
		vals = append(vals, b.Value)
	}
	for _, r := range c.RefLines {
		vals = append(vals, r.Y)
	}
	ymin, ymax, _ := dataRange(vals, c.LogY, true)
	d := newDoc(w, h, c.Title)
	y := axis{log: c.LogY, min: ymin, max: ymax, lo: float64(h - padBottom - 24), hi: padTop}
	right := float64(w - padRight)
	x := axis{min: 0, max: 1, lo: padLeft, hi: right}
	for _, v := range ticks(y) {
		py := y.pos(v)
		d.line(x.lo, py, x.hi, py, "#e5e5e5", 1, "")
		d.text(x.lo-6, py+4, "end", Num(v), "")
	}
	d.line(x.lo, y.lo, x.hi, y.lo, "#333333", 1, "")
	d.line(x.lo, y.lo, x.lo, y.hi, "#333333", 1, "")
	fmt.Fprintf(&d.b, `<text x="16" y="%.1f" text-anchor="middle" transform="rotate(-90 16 %.1f)">%s</text>`+"\n", (y.lo+y.hi)/2, (y.lo+y.hi)/2, esc(c.YLabel))
	n := len(c.Bars)
	if n > 0 {
		slot := (x.hi - x.lo) / float64(n)
		bw := slot * 0.6
		for i, b := range c.Bars {
			color := b.Color
			if color == "" {
				color = Palette[i%len(Palette)]
			}
			cx := x.lo + slot*(float64(i)+0.5)
			if usable(b.Value, c.LogY) {
				top := y.pos(math.Max(b.Value, ymin))
				fmt.Fprintf(&d.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`+"\n", cx-bw/2, top, bw, math.Max(y.lo-top, 0.5), color)
				txt := b.Text
				if txt == "" {
					txt = Num(b.Value)
				}
				d.text(cx, top-5, "middle", txt, ` font-size="11"`)
			}
			d.text(cx, y.lo+16, "middle", b.Label, ` font-size="11"`)
		}
	}
	for _, r := range c.RefLines {
		if !usable(r.Y, c.LogY) {
			continue
		}
		py := y.pos(r.Y)
		d.line(x.lo, py, x.hi, py, "#D55E00", 1.2, "5 3")
		d.text(x.lo+6, py-4, "start", r.Label, ` font-size="11" fill="#D55E00"`)
	}
	return d.end()
}
