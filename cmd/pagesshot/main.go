// Command pagesshot serves every hosted page with sample data (pagestest) on a loopback port
// and screenshots each with headless Chromium, for a person to look at: layout, contrast, the
// QR code. It drives the chromium binary rather than a DevTools library, so nothing enters
// go.mod for it.
//
//	go run ./cmd/pagesshot -out /tmp/shots -langs en,de -branded
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/oauth/pages"
	"github.com/cognatehq/cognate/pkg/oauth/pages/pagestest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pagesshot:", err)
		os.Exit(1)
	}
}

func run() error {
	out := flag.String("out", "pageshots", "directory for the PNGs")
	langs := flag.String("langs", "en", "comma-separated page languages")
	kinds := flag.String("kinds", "", "comma-separated kinds (empty: all)")
	branded := flag.Bool("branded", false, "also shoot each page with the sample branding")
	browser := flag.String("chromium", "chromium", "the Chromium binary")
	size := flag.String("size", "480,900", "window size, width,height")
	serveOnly := flag.Bool("serve", false, "only serve the pages (at /p/<lang>/<kind>) until interrupted")
	flag.Parse()

	mux := http.NewServeMux()
	mux.Handle(pages.StaticPrefix, pages.AssetHandler())
	mux.HandleFunc("/branding.css", func(w http.ResponseWriter, r *http.Request) {
		pages.BrandingCSS(w, pagestest.Branded())
	})
	mux.HandleFunc("/p/{lang}/{kind}", func(w http.ResponseWriter, r *http.Request) {
		p := pagestest.Sample(pages.Kind(r.PathValue("kind")), r.PathValue("lang"))
		if r.URL.Query().Has("branded") {
			p.Branding = pagestest.Branded()
		}
		pages.Render(w, http.StatusOK, p)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Close() }() // the shots are taken; nothing is in flight
	base := "http://" + ln.Addr().String()
	if *serveOnly {
		fmt.Println("serving at", base+"/p/en/login")
		select {}
	}

	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	profile, err := os.MkdirTemp("", "pagesshot-profile-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(profile) }() // a scratch profile under the temp directory

	var ks []pages.Kind
	if *kinds == "" {
		ks = pages.Kinds()
	} else {
		for _, k := range strings.Split(*kinds, ",") {
			ks = append(ks, pages.Kind(k))
		}
	}
	variants := []string{""}
	if *branded {
		variants = append(variants, "branded")
	}
	var failed []string
	for _, lang := range strings.Split(*langs, ",") {
		for _, k := range ks {
			for _, v := range variants {
				name := lang + "-" + string(k)
				url := base + "/p/" + lang + "/" + string(k)
				if v != "" {
					name += "-" + v
					url += "?" + v
				}
				file, err := filepath.Abs(filepath.Join(*out, name+".png"))
				if err != nil {
					return err
				}
				if err := shoot(*browser, profile, *size, file, url); err != nil {
					failed = append(failed, name+": "+err.Error())
					continue
				}
				fmt.Println(file)
			}
		}
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "\n"))
	}
	return nil
}

// shoot runs one headless Chromium for one page. A fresh process per page is slow but keeps
// one page's state (focus, storage) out of the next picture.
func shoot(browser, profile, size, file, url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir="+profile, "--window-size="+size,
		"--screenshot="+file, url)
	if outp, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%w: %s", err, lastLine(string(outp)))
	}
	if _, err := os.Stat(file); err != nil {
		return errors.New("chromium wrote no screenshot")
	}
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
