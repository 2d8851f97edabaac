package cognito_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cognatehq/cognate/pkg/cognito"
)

// errors.Is matches a fresh catalogue value against its shape's sentinel, whatever the message,
// through wrapping, and never against another shape's.
func TestErrorIsKind(t *testing.T) {
	cases := []struct {
		name string
		err  error
		kind cognito.Kind
		want bool
	}{
		{"same shape", cognito.ResourceNotFound("User pool %s does not exist.", "p"), cognito.ErrResourceNotFound, true},
		{"same shape, other message", cognito.ResourceNotFound("Group not found."), cognito.ErrResourceNotFound, true},
		{"wrapped", fmt.Errorf("reading: %w", cognito.UserNotFound("User does not exist.")), cognito.ErrUserNotFound, true},
		{"with a cause", cognito.CodeDeliveryFailure("x").WithCause(errors.New("smtp")), cognito.ErrCodeDeliveryFailure, true},
		{"other shape", cognito.UserNotFound("User does not exist."), cognito.ErrResourceNotFound, false},
		{"same status, other shape", cognito.ExpiredCode("x"), cognito.ErrCodeMismatch, false},
		{"internal", cognito.Internal(errors.New("boom")), cognito.ErrInternal, true},
		{"access denied", cognito.AccessDenied("no"), cognito.ErrAccessDenied, true},
		{"forbidden", cognito.Forbidden("no"), cognito.ErrForbidden, true},
		{"body too large", cognito.RequestEntityTooLarge(), cognito.ErrSerialization, true},
		{"not a protocol error", errors.New("ResourceNotFoundException"), cognito.ErrResourceNotFound, false},
		{"nil", nil, cognito.ErrResourceNotFound, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := errors.Is(c.err, c.kind); got != c.want {
				t.Errorf("errors.Is(%v, %v) = %v, want %v", c.err, c.kind, got, c.want)
			}
		})
	}
}

// Every sentinel names the __type its constructor renders.
func TestKindNamesItsShape(t *testing.T) {
	for _, c := range []struct {
		err  *cognito.Error
		kind cognito.Kind
	}{
		{cognito.NotAuthorized("x"), cognito.ErrNotAuthorized},
		{cognito.ResourceNotFound("x"), cognito.ErrResourceNotFound},
		{cognito.SerializationError("x"), cognito.ErrSerialization},
		{cognito.Internal(nil), cognito.ErrInternal},
		{cognito.AccessDenied("x"), cognito.ErrAccessDenied},
		{cognito.Forbidden("x"), cognito.ErrForbidden},
	} {
		if c.kind.Type() != c.err.Type || c.kind.Error() != c.err.Type {
			t.Errorf("%v names %q, its constructor renders %q", c.kind, c.kind.Type(), c.err.Type)
		}
	}
}

// A message-level match: a fresh value from a named constructor as the target matches the same
// shape with exactly that message, and nothing else.
func TestErrorIsMessage(t *testing.T) {
	invalidSession := func() error { return cognito.NotAuthorized("Invalid session for the user, session is expired.") }
	if !errors.Is(fmt.Errorf("w: %w", invalidSession()), invalidSession()) {
		t.Error("the same shape and message did not match")
	}
	if errors.Is(cognito.NotAuthorized("Incorrect username or password."), invalidSession()) {
		t.Error("another message of the same shape matched")
	}
	if errors.Is(cognito.InvalidParameter("Invalid session for the user, session is expired."), invalidSession()) {
		t.Error("the same message of another shape matched")
	}
}

// A sentinel is not a response: returned by mistake it renders as the generic 500, never as a
// 400 with an empty message (fail closed).
func TestKindRendersAsInternal(t *testing.T) {
	w := httptest.NewRecorder()
	if got := cognito.Render(context.Background(), w, nil, nil, cognito.ErrNotAuthorized); got != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", got)
	}
	if want := `{"__type":"InternalErrorException","message":"Internal server error."}`; w.Body.String() != want {
		t.Errorf("body %s, want %s", w.Body, want)
	}
}
