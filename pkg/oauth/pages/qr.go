package pages

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/boombuler/barcode/qr"
)

// qrQuiet is the blank margin round the code, in modules: scanners need four (ISO/IEC 18004).
const qrQuiet = 4

// qrSVG draws content as a QR code in SVG, one path of horizontal runs. Built on the server so
// the page needs no script, and inline so it needs nothing from img-src. The markup is ours and
// holds only numbers, so it is safe to hand the template unescaped. Black on white whatever the
// branding: scanners need the contrast.
func qrSVG(content string) (template.HTML, error) {
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return "", fmt.Errorf("pages: QR code: %w", err)
	}
	r := code.Bounds()
	n := r.Dx()
	size := n + 2*qrQuiet
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" shape-rendering="crispEdges" aria-hidden="true" focusable="false">`, size, size, size*4, size*4)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, size, size)
	dark := func(x, y int) bool {
		c, _, _, _ := code.At(r.Min.X+x, r.Min.Y+y).RGBA()
		return c < 0x8000
	}
	for y := range n {
		for x := 0; x < n; {
			if !dark(x, y) {
				x++
				continue
			}
			start := x
			for x < n && dark(x, y) {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start+qrQuiet, y+qrQuiet, x-start, x-start)
		}
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil //nolint:gosec // numbers only, written here
}
