package svg

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
)

// wellFormed parses the whole document and returns the root element's name and the number of
// elements, failing on any XML error.
func wellFormed(t *testing.T, b []byte) (string, int) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	root, n, depth := "", 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, b)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if root != "" {
					t.Fatal("two root elements")
				}
				root = e.Name.Local
			}
			depth++
			n++
		case xml.EndElement:
			depth--
		}
	}
	if depth != 0 {
		t.Fatal("unbalanced elements")
	}
	if strings.Contains(string(b), "NaN") || strings.Contains(string(b), "Inf") {
		t.Fatalf("non-finite coordinate in output:\n%s", b)
	}
	return root, n
}

func TestLineChartWellFormed(t *testing.T) {
	c := &LineChart{Title: `Throughput <vs> "concurrency" & more`, XLabel: "clients", YLabel: "ops/s", LogX: true, LogY: true,
		XTicks: []float64{1, 2, 4, 8, 16, 32, 64},
		Series: []Series{
			{Name: "sign-in <password>", X: []float64{1, 2, 4, 8}, Y: []float64{100, 190, 300, 310}},
			{Name: "cognito-local", X: []float64{1, 2, 4, 8}, Y: []float64{20, 0, math.NaN(), 22}, Dashed: true}, // dropped points
			{Name: "empty"},
		}}
	root, n := wellFormed(t, c.SVG())
	if root != "svg" || n < 20 {
		t.Fatalf("root %q with %d elements", root, n)
	}
	if !strings.Contains(string(c.SVG()), "&lt;vs&gt;") {
		t.Fatal("title not escaped")
	}
	lin := &LineChart{Title: "CDF", Series: []Series{{Name: "a", X: []float64{0.1, 1, 10}, Y: []float64{0.5, 0.9, 1}}}, LogX: true}
	if root, _ := wellFormed(t, lin.SVG()); root != "svg" {
		t.Fatal("CDF chart")
	}
	none := &LineChart{Title: "no data"}
	wellFormed(t, none.SVG())
}

func TestBarChartWellFormed(t *testing.T) {
	c := &BarChart{Title: "Cost per MAU", YLabel: "USD", LogY: true,
		Bars:     []Bar{{Label: "Essentials", Value: 0.015}, {Label: "Lite", Value: 0.0055}, {Label: "kms-envelope", Value: 0.00021}, {Label: "broken", Value: -1}},
		RefLines: []RefLine{{Label: "target ≤ $0.0015", Y: 0.0015}}}
	root, n := wellFormed(t, c.SVG())
	if root != "svg" || n < 10 {
		t.Fatalf("root %q with %d elements", root, n)
	}
	wellFormed(t, (&BarChart{Title: "empty"}).SVG())
}

func TestNum(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 1: "1", 2.5: "2.5", 1500: "1500", 25000: "25k", 2e6: "2M", 0.015: "0.015", 0.00021: "0.00021", 0.0042: "0.0042"} {
		if got := Num(v); got != want {
			t.Errorf("Num(%v) = %q, want %q", v, got, want)
		}
	}
}
