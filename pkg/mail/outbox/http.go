package outbox

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/cognatehq/cognate/pkg/mail"
)

// Path is where Handler serves the outbox.
const Path = "/_local/outbox"

// Handler serves the outbox (local mode only; mount it on the loopback dev server, never in a
// Lambda):
//
//	GET    /_local/outbox   200 {"messages":[{channel, to, subject, body, kind, poolId,
//	                        username, code, sentAt}, ...]}, oldest first (newest last).
//	                        Query: to= (case-insensitive, whole value), poolId=, kind= (any
//	                        letter case), limit= (the newest N). A bad kind or limit is a 400
//	                        {"error": "..."}.
//	DELETE /_local/outbox   204, clears the outbox.
//
// Other methods on the path get 405, other paths 404.
func (o *Outbox) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Path, o.serveList)
	mux.HandleFunc("DELETE "+Path, o.serveClear)
	return mux
}

type wireMessage struct {
	Channel  mail.Channel `json:"channel"`
	To       string       `json:"to"`
	Subject  string       `json:"subject"`
	Body     string       `json:"body"`
	Kind     mail.Kind    `json:"kind"`
	PoolID   string       `json:"poolId"`
	Username string       `json:"username"`
	Code     string       `json:"code"`
	SentAt   time.Time    `json:"sentAt"`
}

type wireList struct {
	Messages []wireMessage `json:"messages"`
}

func (o *Outbox) serveList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Filter{To: q.Get("to"), PoolID: q.Get("poolId")}
	if s := q.Get("kind"); s != "" {
		k, ok := mail.ParseKind(s)
		if !ok {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unknown kind " + strconv.Quote(s)})
			return
		}
		f.Kind = k
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "limit must be a non-negative integer"})
			return
		}
		f.Limit = n
	}
	msgs := o.Messages(f)
	out := wireList{Messages: make([]wireMessage, 0, len(msgs))}
	for _, m := range msgs {
		out.Messages = append(out.Messages, wireMessage{
			Channel:  m.Channel,
			To:       m.To,
			Subject:  m.Subject,
			Body:     m.Body,
			Kind:     m.Kind,
			PoolID:   m.PoolID,
			Username: m.Username,
			Code:     m.Code,
			SentAt:   m.SentAt.UTC(),
		})
	}
	writeJSON(w, http.StatusOK, out)
}

func (o *Outbox) serveClear(w http.ResponseWriter, _ *http.Request) {
	o.Clear()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store") // codes and temporary passwords
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // bodies may be HTML; keep them readable
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away; nothing to do
}
