// Command testhook is the trigger function of the tests: one binary for every trigger source.
// It runs on aws-lambda-go under the Lambda Runtime Interface Emulator (infra/lambda/lambdarie),
// appends each event it gets to $TESTHOOK_DIR/events.jsonl, and answers as
// $TESTHOOK_DIR/script.json tells it at that moment:
//
//	{"response": {...}}   the event back with this response (the contract's answer)
//	{"error": "text"}     a function error with this message
//	{"sleepMs": 6000}     sleep first (a timeout), then answer as the rest says
//	{"holdUntil": "go"}   wait until $TESTHOOK_DIR/go exists, then answer as the rest says (a
//	                      function still running when an asynchronous caller has moved on)
//	{"output": <JSON>}    this output instead of the event (a malformed answer)
//	{"byRound": {"0": {...}, "1": {...}}}
//	                      the response for the number of rounds in request.session so far
//	                      (DefineAuthChallenge within one client call: SRP, then a challenge)
//
// No script, or an empty one, answers the event unchanged. Each event that ran to its answer
// (or error) adds a line to $TESTHOOK_DIR/finished. Test support, never deployed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type script struct {
	Response json.RawMessage            `json:"response"`
	Error    string                     `json:"error"`
	SleepMs  int                        `json:"sleepMs"`
	Hold     string                     `json:"holdUntil"`
	Output   json.RawMessage            `json:"output"`
	ByRound  map[string]json.RawMessage `json:"byRound"`
}

func handle(ctx context.Context, event json.RawMessage) (json.RawMessage, error) {
	out, err := answer(ctx, event)
	if f, ferr := os.OpenFile(filepath.Join(os.Getenv("TESTHOOK_DIR"), "finished"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); ferr == nil {
		_, _ = f.Write([]byte("\n")) // a count; a test that needs it fails without it
		_ = f.Close()
	}
	return out, err
}

func answer(ctx context.Context, event json.RawMessage) (json.RawMessage, error) {
	dir := os.Getenv("TESTHOOK_DIR")
	if dir == "" {
		return nil, errors.New("TESTHOOK_DIR is not set")
	}
	f, err := os.OpenFile(filepath.Join(dir, "events.jsonl"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	_, werr := f.Write(append(append([]byte{}, event...), '\n'))
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return nil, werr
	}
	var s script
	if b, err := os.ReadFile(filepath.Join(dir, "script.json")); err == nil && len(b) > 0 {
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, err
		}
	}
	for s.Hold != "" {
		if _, err := os.Stat(filepath.Join(dir, s.Hold)); err == nil {
			break
		}
		select {
		case <-time.After(5 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if s.SleepMs > 0 {
		select {
		case <-time.After(time.Duration(s.SleepMs) * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if s.ByRound != nil {
		var ev struct {
			Request struct {
				Session []json.RawMessage `json:"session"`
			} `json:"request"`
		}
		if err := json.Unmarshal(event, &ev); err != nil {
			return nil, err
		}
		s.Response = s.ByRound[strconv.Itoa(len(ev.Request.Session))]
	}
	switch {
	case s.Error != "":
		return nil, errors.New(s.Error)
	case s.Output != nil:
		return s.Output, nil
	case s.Response != nil:
		var whole map[string]json.RawMessage
		if err := json.Unmarshal(event, &whole); err != nil {
			return nil, err
		}
		whole["response"] = s.Response
		return json.Marshal(whole)
	}
	return event, nil
}

func main() { lambda.Start(handle) }
