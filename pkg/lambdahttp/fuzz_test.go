package lambdahttp_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/pkg/lambdahttp"
)

// echo touches everything a handler may read and answers 200 with the request body, byte for byte.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	_ = r.URL.Query()
	_ = r.URL.EscapedPath()
	for _, c := range r.Cookies() {
		http.SetCookie(w, &http.Cookie{Name: c.Name, Value: "seen"})
	}
	for name, values := range r.Header {
		w.Header()["X-Echo-"+name] = values
	}
	_, _ = w.Write(body)
})

// FuzzEvent feeds arbitrary JSON to the adapter as an event. Whatever arrives, it must answer with
// a response API Gateway accepts (a status, a body that is UTF-8 or valid base64, marshallable
// JSON) and no Go error; and when the event is well formed, the handler must see its body exactly.
// Seeds: the golden events and testdata/fuzz/FuzzEvent.
func FuzzEvent(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	h := lambdahttp.Handler(echo)
	f.Fuzz(func(t *testing.T, data []byte) {
		var ev events.APIGatewayV2HTTPRequest
		if json.Unmarshal(data, &ev) != nil {
			return // the Lambda runtime rejects input that is not the event type before we run
		}
		resp, err := h(context.Background(), ev)
		if err != nil {
			t.Fatalf("Go error: %v", err)
		}
		if resp.StatusCode < 200 || resp.StatusCode > 599 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		got := []byte(resp.Body)
		if resp.IsBase64Encoded {
			if got, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
				t.Fatalf("body flagged base64 is not: %v", err)
			}
		} else if !utf8.ValidString(resp.Body) {
			t.Fatalf("text body is not UTF-8: %q", resp.Body)
		}
		if _, err := json.Marshal(resp); err != nil {
			t.Fatalf("response does not marshal: %v", err)
		}

		if _, err := lambdahttp.NewRequest(context.Background(), &ev); err != nil {
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("malformed event (%v) answered %d", err, resp.StatusCode)
			}
			return
		}
		want := []byte(ev.Body)
		if ev.IsBase64Encoded {
			want, _ = base64.StdEncoding.DecodeString(ev.Body)
		}
		if ev.RequestContext.HTTP.Method == http.MethodHead {
			want = nil
		}
		if resp.StatusCode != http.StatusOK || string(got) != string(want) {
			t.Fatalf("echo: %d %q, want 200 %q", resp.StatusCode, got, want)
		}
	})
}
