package app_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cognatehq/cognate/pkg/app/apptest"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/embedded"
	"github.com/cognatehq/cognate/pkg/store/storetest"
	"github.com/cognatehq/cognate/pkg/userpool"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/model"
)

func TestAPIOnEmbeddedStore(t *testing.T) {
	// Every key the suite writes must be one the key map documents.
	apptest.RunAPITests(t, func(t *testing.T, clk clock.Clock) store.Table {
		return storetest.DocumentedKeys(t, tempTable(t, clk))
	})
}

// tempTable is an embedded store in a temporary file, closed with the test.
func tempTable(t *testing.T, clk clock.Clock) store.Table {
	tbl, err := embedded.OpenTemp(clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tbl.Close() })
	return tbl
}

// emailPool makes a pool whose users sign in with their email, and a client for passwords.
func emailPool(t *testing.T, svc *userpool.Service) (pool, client string) {
	t.Helper()
	ctx := context.Background()
	p, err := svc.CreateUserPool(ctx, &api.CreateUserPoolInput{PoolName: "emails", UsernameAttributes: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	in := &api.CreateUserPoolClientInput{UserPoolId: p.UserPool.Id}
	in.ClientName, in.ExplicitAuthFlows = "app", []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
	c, err := svc.CreateUserPoolClient(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return p.UserPool.Id, c.UserPoolClient.ClientId
}

// countingTable counts requests, so a test can tell a search from a scan and see how many
// store round trips an operation makes (each is a DynamoDB request on that backend).
type countingTable struct {
	store.Table
	gets, queries, items, writes, counts atomic.Int64
}

func (c *countingTable) Write(ctx context.Context, ops ...store.Op) error {
	c.writes.Add(1)
	return c.Table.Write(ctx, ops...)
}

func (c *countingTable) CountAttempt(ctx context.Context, pk, sk string, r store.AttemptRule) (store.Item, error) {
	c.counts.Add(1)
	return c.Table.CountAttempt(ctx, pk, sk, r)
}

func (c *countingTable) requests() int64 {
	return c.gets.Load() + c.queries.Load() + c.writes.Load() + c.counts.Load()
}

func (c *countingTable) reset() {
	for _, n := range []*atomic.Int64{&c.gets, &c.queries, &c.items, &c.writes, &c.counts} {
		n.Store(0)
	}
}

// startCounted runs the API on a temporary table whose requests are counted.
func startCounted(t *testing.T) (*apptest.Env, *countingTable) {
	var counted *countingTable
	e := apptest.Start(t, func(t *testing.T, clk clock.Clock) store.Table {
		counted = &countingTable{Table: tempTable(t, clk)}
		return counted
	})
	return e, counted
}

// A password sign-in by email in an email-as-username pool is three store requests — the alias,
// the attempt counted while the user is read, the outcome — after a few wrong passwords too; the
// fifth failure still locks (the full path, which sets the lock, takes over at the fifth).
func TestPasswordSignInRequests(t *testing.T) {
	e, counted := startCounted(t)
	ctx := context.Background()
	svc := e.App.Service
	pool, client := emailPool(t, svc)
	password := "Correct-Horse-9"
	if _, err := svc.SignUp(ctx, &api.SignUpInput{ClientId: client, Username: "ann@example.com", Password: &password}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AdminConfirmSignUp(ctx, &api.AdminConfirmSignUpInput{UserPoolId: pool, Username: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	signIn := func(pw string) error {
		counted.reset()
		_, err := svc.InitiateAuth(ctx, &api.InitiateAuthInput{ClientId: client, AuthFlow: "USER_PASSWORD_AUTH",
			AuthParameters: map[string]string{"USERNAME": "ann@example.com", "PASSWORD": pw}})
		return err
	}
	wantRequests := func(what string, n int64) {
		t.Helper()
		if got := counted.requests(); got != n {
			t.Fatalf("%s: %d store requests (gets %d, queries %d, writes %d, counted attempts %d), want %d", what, got,
				counted.gets.Load(), counted.queries.Load(), counted.writes.Load(), counted.counts.Load(), n)
		}
	}
	if err := signIn(password); err != nil {
		t.Fatal(err)
	}
	wantRequests("sign-in", 3)
	for i := 1; i <= 3; i++ {
		if err := signIn("Wrong-Horse-9"); err == nil {
			t.Fatal("a wrong password signed in")
		}
		wantRequests(fmt.Sprintf("wrong password %d", i), 2)
	}
	if err := signIn(password); err != nil {
		t.Fatal(err)
	}
	wantRequests("sign-in after three failures", 3)
	for i := 1; i <= 5; i++ {
		if err := signIn("Wrong-Horse-9"); err == nil {
			t.Fatal("a wrong password signed in")
		}
	}
	if err := signIn(password); err == nil || !strings.Contains(err.Error(), "Password attempts exceeded") {
		t.Fatalf("after five failures: %v, want the lock", err)
	}
}

func (c *countingTable) Get(ctx context.Context, pk, sk string) (store.Item, error) {
	c.gets.Add(1)
	return c.Table.Get(ctx, pk, sk)
}

func (c *countingTable) Query(ctx context.Context, pk, prefix, cursor string, limit int) ([]store.Item, string, error) {
	c.queries.Add(1)
	items, next, err := c.Table.Query(ctx, pk, prefix, cursor, limit)
	c.items.Add(int64(len(items)))
	return items, next, err
}

// A filtered ListUsers reads the matching index items and those users, not the pool.
func TestListUsersFilterDoesNotScan(t *testing.T) {
	e, counted := startCounted(t)
	ctx := context.Background()
	p, err := e.App.Service.CreateUserPool(ctx, &api.CreateUserPoolInput{PoolName: "big"})
	if err != nil {
		t.Fatal(err)
	}
	const users = 300
	for i := 0; i < users; i++ {
		email := fmt.Sprintf("user%03d@example.com", i)
		if _, err := e.App.Service.AdminCreateUser(ctx, &api.AdminCreateUserInput{UserPoolId: p.UserPool.Id, Username: fmt.Sprintf("user%03d", i),
			MessageAction: "SUPPRESS", UserAttributes: []model.AttributeType{{Name: "email", Value: &email}}}); err != nil {
			t.Fatal(err)
		}
	}
	counted.gets.Store(0)
	counted.queries.Store(0)
	counted.items.Store(0)
	out, err := e.App.Service.ListUsers(ctx, &api.ListUsersInput{UserPoolId: p.UserPool.Id, Filter: `email = "user150@example.com"`})
	if err != nil || len(out.Users) != 1 || out.Users[0].Username != "user150" {
		t.Fatalf("ListUsers: %+v %v", out, err)
	}
	if q, it, g := counted.queries.Load(), counted.items.Load(), counted.gets.Load(); q > 2 || it > 2 || g > 4 {
		t.Fatalf("a filtered ListUsers of %d users made %d queries over %d items and %d gets", users, q, it, g)
	}
}

// Attempts refused before any verdict — the user unconfirmed — do not count toward lockout,
// though the one-request path counts them as it reads the user: after four refusals and the
// confirmation, five wrong passwords still get their verdict before the lock.
func TestRefusedAttemptsDoNotCount(t *testing.T) {
	e := apptest.Start(t, tempTable)
	ctx := context.Background()
	svc := e.App.Service
	pool, client := emailPool(t, svc)
	password := "Correct-Horse-9"
	if _, err := svc.SignUp(ctx, &api.SignUpInput{ClientId: client, Username: "bo@example.com", Password: &password}); err != nil {
		t.Fatal(err)
	}
	signIn := func(pw string) error {
		_, err := svc.InitiateAuth(ctx, &api.InitiateAuthInput{ClientId: client, AuthFlow: "USER_PASSWORD_AUTH",
			AuthParameters: map[string]string{"USERNAME": "bo@example.com", "PASSWORD": pw}})
		return err
	}
	for range 4 {
		if err := signIn("Wrong-Horse-9"); err == nil || !strings.Contains(err.Error(), "User is not confirmed.") {
			t.Fatalf("unconfirmed: %v", err)
		}
	}
	if _, err := svc.AdminConfirmSignUp(ctx, &api.AdminConfirmSignUpInput{UserPoolId: pool, Username: "bo@example.com"}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		if err := signIn("Wrong-Horse-9"); err == nil || !strings.Contains(err.Error(), "Incorrect username or password.") {
			t.Fatalf("wrong password %d after confirmation: %v", i, err)
		}
	}
	if err := signIn("Wrong-Horse-9"); err == nil || !strings.Contains(err.Error(), "Password attempts exceeded") {
		t.Fatalf("sixth wrong password: %v, want the lock", err)
	}
}

// A code is judged in the request that counts the attempt at it (CountAttempt, which reads the
// code as it counts): a ConfirmSignUp is the user's read, the hourly counter's read and write,
// that one request and the outcome's transaction; a wrong code stops after the count.
func TestConfirmSignUpRequests(t *testing.T) {
	e, counted := startCounted(t)
	ctx := context.Background()
	svc := e.App.Service
	pin := &api.CreateUserPoolInput{PoolName: "codes"}
	pin.AutoVerifiedAttributes = []string{"email"}
	p, err := svc.CreateUserPool(ctx, pin)
	if err != nil {
		t.Fatal(err)
	}
	in := &api.CreateUserPoolClientInput{UserPoolId: p.UserPool.Id}
	in.ClientName = "app"
	c, err := svc.CreateUserPoolClient(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	client := c.UserPoolClient.ClientId
	password := "Correct-Horse-9"
	email := "cy@example.com"
	if _, err := svc.SignUp(ctx, &api.SignUpInput{ClientId: client, Username: "cy", Password: &password,
		UserAttributes: []model.AttributeType{{Name: "email", Value: &email}}}); err != nil {
		t.Fatal(err)
	}
	m, ok := e.Outbox.Latest(email)
	if !ok {
		t.Fatal("no code sent")
	}
	wrong := "000000"
	if m.Code == wrong {
		wrong = "111111"
	}
	confirm := func(code string) error {
		counted.reset()
		_, err := svc.ConfirmSignUp(ctx, &api.ConfirmSignUpInput{ClientId: client, Username: "cy", ConfirmationCode: code})
		return err
	}
	want := func(what string, gets, writes, counts int64) {
		t.Helper()
		if g, w, n := counted.gets.Load(), counted.writes.Load(), counted.counts.Load(); g != gets || w != writes || n != counts || counted.queries.Load() != 0 {
			t.Fatalf("%s: %d gets, %d writes, %d counted attempts, %d queries; want %d, %d, %d, 0", what, g, w, n, counted.queries.Load(), gets, writes, counts)
		}
	}
	if err := confirm(wrong); err == nil || !strings.Contains(err.Error(), "CodeMismatch") {
		t.Fatalf("wrong code: %v", err)
	}
	want("a wrong code", 2, 1, 1)
	if err := confirm(m.Code); err != nil {
		t.Fatal(err)
	}
	want("the right code", 2, 2, 1)
}
