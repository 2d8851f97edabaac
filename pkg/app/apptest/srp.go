package apptest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognatehq/cognate/pkg/srp"
	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// runSRPTests covers USER_SRP_AUTH, usernames and aliases over SRP, hidden existence,
// remembered devices and USER_AUTH, driving the server with pkg/srp's client through the SDK.
func runSRPTests(t *testing.T, newTable storetest.NewTable) {
	t.Run("SRPSignIn", func(t *testing.T) { testSRPSignIn(t, Start(t, newTable)) })
	t.Run("SRPAttacks", func(t *testing.T) { testSRPAttacks(t, Start(t, newTable)) })
	t.Run("SRPUsernames", func(t *testing.T) { testSRPUsernames(t, Start(t, newTable)) })
	t.Run("SRPUnknownUser", func(t *testing.T) { testSRPUnknownUser(t, Start(t, newTable)) })
	t.Run("Devices", func(t *testing.T) { testDevices(t, Start(t, newTable)) })
	t.Run("UserAuth", func(t *testing.T) { testUserAuth(t, Start(t, newTable)) })
}

var (
	uuidRe      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	saltRe      = regexp.MustCompile(`^[0-9a-f]{32}$`)
	deviceKeyRe = regexp.MustCompile(`^us-east-1_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

// srpAttempt is the client side of one SRP exchange: its secret a and the challenge received.
type srpAttempt struct {
	f      fixture
	client *srp.Client
	name   string // ChallengeName received
	params map[string]string
	sess   *string
}

func newSRPClient(t *testing.T) *srp.Client {
	t.Helper()
	c, err := srp.NewClient(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// srpStart sends USER_SRP_AUTH for username (public client).
func (f fixture) srpStart(t *testing.T, client, username string) (*srpAttempt, error) {
	t.Helper()
	a := &srpAttempt{f: f, client: newSRPClient(t)}
	out, err := f.env.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(client), AuthFlow: types.AuthFlowTypeUserSrpAuth,
		AuthParameters: map[string]string{"USERNAME": username, "SRP_A": a.client.SRPA()}})
	if err != nil {
		return nil, err
	}
	a.name, a.params, a.sess = string(out.ChallengeName), out.ChallengeParameters, out.Session
	return a, nil
}

// answer builds the PASSWORD_VERIFIER answer for password, signed over timestamp.
func (a *srpAttempt) answer(t *testing.T, password, timestamp string) map[string]string {
	t.Helper()
	if a.name != "PASSWORD_VERIFIER" {
		t.Fatalf("challenge %q, want PASSWORD_VERIFIER", a.name)
	}
	sig, err := a.client.PasswordClaim(srp.PoolName(a.f.poolID), a.params["USER_ID_FOR_SRP"], password,
		srp.Challenge{Salt: a.params["SALT"], B: a.params["SRP_B"], SecretBlock: a.params["SECRET_BLOCK"]}, timestamp)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"USERNAME": a.params["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": a.params["SECRET_BLOCK"],
		"PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": timestamp}
}

func (a *srpAttempt) now() string { return srp.FormatTimestamp(a.f.env.Clock.Now()) }

func (a *srpAttempt) respond(client string, resp map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
	return a.f.env.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(client),
		ChallengeName: types.ChallengeNameTypePasswordVerifier, Session: a.sess, ChallengeResponses: resp})
}

// srpSignIn is a whole USER_SRP_AUTH sign-in on the fixture's client.
func (f fixture) srpSignIn(t *testing.T, username, password string) (*cip.RespondToAuthChallengeOutput, error) {
	t.Helper()
	a, err := f.srpStart(t, f.client, username)
	if err != nil {
		return nil, err
	}
	return a.respond(f.client, a.answer(t, password, a.now()))
}

func testSRPSignIn(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	c := e.Client
	su := f.signUp(t, "sam", "sam@example.com")
	must(c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("sam"), ConfirmationCode: aws.String(f.code(t, "sam@example.com"))}))(t)

	// The PASSWORD_VERIFIER challenge has Cognito's shape, with no Session: the SECRET_BLOCK
	// carries the step, and clients (alexrudd/cognito-srp, pycognito) answer without one.
	a := must(f.srpStart(t, f.client, "sam"))(t)
	p := a.params
	if a.name != "PASSWORD_VERIFIER" || a.sess != nil || p["USERNAME"] != "sam" || p["USER_ID_FOR_SRP"] != "sam" ||
		!saltRe.MatchString(p["SALT"]) || !regexp.MustCompile(`^[0-9a-f]{700,768}$`).MatchString(p["SRP_B"]) || len(p["SECRET_BLOCK"]) < 500 {
		t.Fatalf("PASSWORD_VERIFIER: %s %v", a.name, p)
	}
	if _, err := base64.StdEncoding.DecodeString(p["SECRET_BLOCK"]); err != nil {
		t.Fatalf("SECRET_BLOCK is not base64: %v", err)
	}
	// Fresh b and SECRET_BLOCK for every attempt; the same salt.
	a2 := must(f.srpStart(t, f.client, "sam"))(t)
	if a2.params["SRP_B"] == p["SRP_B"] || a2.params["SECRET_BLOCK"] == p["SECRET_BLOCK"] || a2.params["SALT"] != p["SALT"] {
		t.Fatal("SRP_B and SECRET_BLOCK must be fresh per attempt, SALT stable")
	}

	// Success through InitiateAuth: tokens for the user, the session spent.
	resp := a.answer(t, strongPassword, a.now())
	out := must(a.respond(f.client, resp))(t)
	res := out.AuthenticationResult
	if res == nil || res.AccessToken == nil || res.RefreshToken == nil || res.NewDeviceMetadata != nil {
		t.Fatalf("SRP result: %+v", out)
	}
	if ac := claims(t, *res.AccessToken); ac["username"] != "sam" || ac["sub"] != *su.UserSub {
		t.Fatalf("access token: %v", ac)
	}
	must(c.GetUser(ctx, &cip.GetUserInput{AccessToken: res.AccessToken}))(t)
	// Replaying the whole answer (same SECRET_BLOCK and signature) is refused.
	_, err := a.respond(f.client, resp)
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	// ... before the lockout counts it: ten replays lock nothing.
	for range 10 {
		_, err = a.respond(f.client, resp)
		wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	}
	must(f.srpSignIn(t, "sam", strongPassword))(t)

	// Success through AdminInitiateAuth and AdminRespondToAuthChallenge.
	ac := newSRPClient(t)
	ia := must(c.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(f.poolID), ClientId: aws.String(f.client),
		AuthFlow: types.AuthFlowTypeUserSrpAuth, AuthParameters: map[string]string{"USERNAME": "sam", "SRP_A": ac.SRPA()}}))(t)
	adm := &srpAttempt{f: f, client: ac, name: string(ia.ChallengeName), params: ia.ChallengeParameters, sess: ia.Session}
	ar := must(c.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{UserPoolId: aws.String(f.poolID), ClientId: aws.String(f.client),
		ChallengeName: types.ChallengeNameTypePasswordVerifier, Session: ia.Session, ChallengeResponses: adm.answer(t, strongPassword, adm.now())}))(t)
	if ar.AuthenticationResult == nil || ar.AuthenticationResult.IdToken == nil {
		t.Fatalf("admin SRP result: %+v", ar)
	}

	// TIMESTAMP is signed in Cognito's own rendering, the day unpadded: a zero-padded day is
	// read but fails the signature, as on Cognito (qwigo/warrant#12); the block stays usable.
	a3 := must(f.srpStart(t, f.client, "sam"))(t)
	_, err = a3.respond(f.client, a3.answer(t, strongPassword, "Tue Mar 05 09:04:03 UTC 2024"))
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	must(a3.respond(f.client, a3.answer(t, strongPassword, "Tue Mar 5 09:04:03 UTC 2024")))(t)

	// An admin-created user over SRP: NEW_PASSWORD_REQUIRED, then tokens.
	must(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("newbie"),
		TemporaryPassword: aws.String("Temp-Pass-123"), MessageAction: types.MessageActionTypeSuppress}))(t)
	nb := must(f.srpStart(t, f.client, "newbie"))(t)
	np := must(nb.respond(f.client, nb.answer(t, "Temp-Pass-123", nb.now())))(t)
	if np.ChallengeName != types.ChallengeNameTypeNewPasswordRequired || np.ChallengeParameters["USER_ID_FOR_SRP"] != "newbie" {
		t.Fatalf("SRP for a FORCE_CHANGE_PASSWORD user: %+v", np)
	}
	done := must(c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(f.client), ChallengeName: types.ChallengeNameTypeNewPasswordRequired,
		Session: np.Session, ChallengeResponses: map[string]string{"USERNAME": "newbie", "NEW_PASSWORD": "Newbies-Own-1"}}))(t)
	if done.AuthenticationResult == nil {
		t.Fatalf("after NEW_PASSWORD_REQUIRED: %+v", done)
	}
	must(f.srpSignIn(t, "newbie", "Newbies-Own-1"))(t)

	// An unconfirmed user with the right password hears UserNotConfirmed at the verifier step.
	f.signUp(t, "uma", "uma@example.com")
	_, err = f.srpSignIn(t, "uma", strongPassword)
	wantErr(t, err, "UserNotConfirmedException", "User is not confirmed.")

	// The LEGACY default names a missing user at once.
	_, err = f.srpStart(t, f.client, "nobody")
	wantErr(t, err, "UserNotFoundException", "User does not exist.")

	// A client without ALLOW_USER_SRP_AUTH.
	pw := must(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("pw-only"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}))(t)
	_, err = f.srpStart(t, *pw.UserPoolClient.ClientId, "sam")
	wantErr(t, err, "InvalidParameterException", "USER_SRP_AUTH flow not enabled for this client")

	// Nothing secret reaches the log.
	for _, secret := range []string{strongPassword, p["SECRET_BLOCK"], resp["PASSWORD_CLAIM_SIGNATURE"]} {
		if strings.Contains(e.Logs.String(), secret) {
			t.Fatal("an SRP secret reached the server log")
		}
	}
}

func testSRPAttacks(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	c := e.Client
	f.confirmedUser(t, "sam", "sam@example.com")
	f.confirmedUser(t, "tom", "tom@example.com")
	f.confirmedUser(t, "tim", "tim@example.com")

	// A wrong password: the generic failure; the SECRET_BLOCK stays usable until it expires.
	a := must(f.srpStart(t, f.client, "sam"))(t)
	_, err := a.respond(f.client, a.answer(t, "Wrong-Password-1", a.now()))
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	// A swapped USERNAME: Sam's challenge cannot sign Tom in, even signed as Sam.
	swapped := a.answer(t, strongPassword, a.now())
	swapped["USERNAME"] = "tom"
	_, err = a.respond(f.client, swapped)
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	must(a.respond(f.client, a.answer(t, strongPassword, a.now())))(t)
	// A SECRET_BLOCK is good for one sign-in: answered again, even with a fresh valid
	// signature, it is refused unjudged.
	_, err = a.respond(f.client, a.answer(t, strongPassword, a.now()))
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	// ... however it is spelled (base64 decoders skip line breaks).
	again := a.answer(t, strongPassword, a.now())
	blk := again["PASSWORD_CLAIM_SECRET_BLOCK"]
	again["PASSWORD_CLAIM_SECRET_BLOCK"] = blk[:100] + "\n" + blk[100:]
	_, err = a.respond(f.client, again)
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")

	// TIMESTAMP as Cognito judges it. Readable in Cognito's pattern but not its rendering
	// (zero-padded day, wrong weekday, lower case, another zone): the signature fails, like a
	// wrong password.
	tm := must(f.srpStart(t, f.client, "tim"))(t)
	for _, ts := range []string{"Tue Mar 05 09:04:03 UTC 2024", "Wed Mar 5 09:04:03 UTC 2024", "tue mar 5 09:04:03 utc 2024", "Tue Mar 5 09:04:03 GMT 2024"} {
		_, err = tm.respond(f.client, tm.answer(t, strongPassword, ts))
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	}
	// Unreadable (another format, hour 24, a numeric zone): refused as such, before anything is
	// judged or counted.
	for _, ts := range []string{e.Clock.Now().Format(time.RFC3339), "Tue Mar 5 24:03:00 UTC 2024", "Mon Feb 12 15:26:37 +05:30 2018"} {
		_, err = tm.respond(f.client, tm.answer(t, strongPassword, ts))
		wantErr(t, err, "InvalidParameterException", "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.")
	}
	must(tm.respond(f.client, tm.answer(t, strongPassword, tm.now())))(t)
	// No clock window: the single-use SECRET_BLOCK stops replay, and clients Cognito accepts
	// send times hours off (alexrudd/cognito-srp's 12-hour clock, past noon UTC).
	for _, off := range []time.Duration{-12 * time.Hour, 12 * time.Hour, -25 * time.Hour, -3 * 365 * 24 * time.Hour} {
		x := must(f.srpStart(t, f.client, "tim"))(t)
		must(x.respond(f.client, x.answer(t, strongPassword, srp.FormatTimestamp(e.Clock.Now().Add(off)))))(t)
	}

	// A tampered SECRET_BLOCK is no block at all.
	both := must(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("both"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_SRP_AUTH", "ALLOW_USER_AUTH"}}))(t)
	bc := *both.UserPoolClient.ClientId
	b := must(f.srpStart(t, bc, "sam"))(t)
	tampered := b.answer(t, strongPassword, b.now())
	raw, _ := base64.StdEncoding.DecodeString(tampered["PASSWORD_CLAIM_SECRET_BLOCK"])
	raw[len(raw)-1] ^= 1
	tampered["PASSWORD_CLAIM_SECRET_BLOCK"] = base64.StdEncoding.EncodeToString(raw)
	_, err = b.respond(bc, tampered)
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	// A Session echoed with the answer must be the one issued with its SECRET_BLOCK (USER_AUTH
	// issues one): another block's is refused, and so is one altered in one character.
	cl := newSRPClient(t)
	pv := must(c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(bc), AuthFlow: types.AuthFlowTypeUserAuth,
		AuthParameters: map[string]string{"USERNAME": "sam", "PREFERRED_CHALLENGE": "PASSWORD_SRP", "SRP_A": cl.SRPA()}}))(t)
	if pv.ChallengeName != types.ChallengeNameTypePasswordVerifier || pv.Session == nil {
		t.Fatalf("USER_AUTH PASSWORD_SRP: %+v", pv)
	}
	b.sess = pv.Session
	_, err = b.respond(bc, b.answer(t, strongPassword, b.now()))
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	for _, i := range []int{2, len(*pv.Session) / 2, len(*pv.Session) - 1} {
		forged := []byte(*pv.Session)
		forged[i] = map[bool]byte{true: 'B', false: 'A'}[forged[i] == 'A']
		b.sess = aws.String(string(forged))
		_, err = b.respond(bc, b.answer(t, strongPassword, b.now()))
		wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	}
	b.sess = nil
	must(b.respond(bc, b.answer(t, strongPassword, b.now())))(t)

	// The SECRET_BLOCK expires with the client's AuthSessionValidity (3 minutes).
	x := must(f.srpStart(t, f.client, "sam"))(t)
	e.Clock.Advance(181 * time.Second)
	_, err = x.respond(f.client, x.answer(t, strongPassword, x.now()))
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")

	// A SECRET_BLOCK is bound to the user's sub: one issued to a user since deleted does not
	// answer for a new user of the same name, and its refusals do not count against them.
	f.confirmedUser(t, "zed", "zed@example.com")
	gone := must(f.srpStart(t, f.client, "zed"))(t)
	must(c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("zed")}))(t)
	f.confirmedUser(t, "zed", "zed2@example.com")
	for range 6 {
		_, err = gone.respond(f.client, gone.answer(t, strongPassword, gone.now()))
		wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	}
	must(f.srpSignIn(t, "zed", strongPassword))(t)

	// SRP_A values that force S = 0 (0, N, 2N), and garbage, are refused before any lookup.
	n := "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
	N, _ := new(big.Int).SetString(n, 16)
	twoN := new(big.Int).Lsh(N, 1).Text(16)
	for _, bad := range []string{"0", n, strings.ToLower(n), "00" + n, twoN, "not-hex", "-1"} {
		_, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserSrpAuth,
			AuthParameters: map[string]string{"USERNAME": "sam", "SRP_A": bad}})
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	}
	_, err = c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserSrpAuth,
		AuthParameters: map[string]string{"USERNAME": "sam"}})
	wantErr(t, err, "InvalidParameterException", "Missing required parameter SRP_A")

	// Bad SRP proofs count toward lockout like wrong passwords (AUTH-04): after five, even the
	// right proof is refused for a while.
	for i := 0; i < 5; i++ {
		w := must(f.srpStart(t, f.client, "tom"))(t)
		_, err := w.respond(f.client, w.answer(t, "Wrong-Password-1", w.now()))
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	}
	l := must(f.srpStart(t, f.client, "tom"))(t)
	_, err = l.respond(f.client, l.answer(t, strongPassword, l.now()))
	wantErr(t, err, "NotAuthorizedException", "Password attempts exceeded")
	e.Clock.Advance(2 * time.Second)
	must(l.respond(f.client, l.answer(t, strongPassword, l.now())))(t)

	// A SECRET_BLOCK of one client is refused to another.
	other := must(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("other"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_SRP_AUTH"}}))(t)
	y := must(f.srpStart(t, f.client, "sam"))(t)
	_, err = y.respond(*other.UserPoolClient.ClientId, y.answer(t, strongPassword, y.now()))
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
}

func testSRPUsernames(t *testing.T, e *Env) {
	c := e.Client
	// An alias pool, case-insensitive: sign in with the verified email or any spelling of the
	// username; USER_ID_FOR_SRP is always the username folded as the pool folds names (the
	// verifier is made over it, so that an unknown name's folded echo looks the same), while the
	// tokens name the user as stored.
	al := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.AliasAttributes = []types.AliasAttributeType{"email"}
		in.UsernameConfiguration = &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}
	})
	al.confirmedUser(t, "Alice", "alice@example.com")
	for _, typed := range []string{"Alice", "ALICE", "alice@example.com", "Alice@Example.COM"} {
		a := must(al.srpStart(t, al.client, typed))(t)
		if a.params["USER_ID_FOR_SRP"] != "alice" || a.params["USERNAME"] != "alice" {
			t.Fatalf("%s: USER_ID_FOR_SRP %q", typed, a.params["USER_ID_FOR_SRP"])
		}
		out := must(a.respond(al.client, a.answer(t, strongPassword, a.now())))(t)
		if claims(t, *out.AuthenticationResult.AccessToken)["username"] != "Alice" {
			t.Fatalf("%s: wrong user signed in", typed)
		}
	}
	// The USERNAME of the answer may be what was typed, folded any way.
	a := must(al.srpStart(t, al.client, "alice@example.com"))(t)
	resp := a.answer(t, strongPassword, a.now())
	resp["USERNAME"] = "ALICE@example.com"
	must(a.respond(al.client, resp))(t)
	// An unverified alias is no way in.
	al.signUp(t, "bobby", "bob@example.com")
	_, err := al.srpStart(t, al.client, "bob@example.com")
	wantErr(t, err, "UserNotFoundException", "User does not exist.")

	// An email-as-username pool: the internal username (the sub) is USER_ID_FOR_SRP.
	em := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.UsernameAttributes = []types.UsernameAttributeType{"email"}
		in.UsernameConfiguration = &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}
	})
	su := must(c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(em.client), Username: aws.String("Lee@Example.com"), Password: aws.String(strongPassword)}))(t)
	must(c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(em.client), Username: aws.String("lee@example.com"), ConfirmationCode: aws.String(em.code(t, "Lee@Example.com"))}))(t)
	for _, typed := range []string{"lee@example.com", "LEE@EXAMPLE.COM"} {
		a := must(em.srpStart(t, em.client, typed))(t)
		if a.params["USER_ID_FOR_SRP"] != *su.UserSub || a.params["USERNAME"] != *su.UserSub {
			t.Fatalf("%s: USER_ID_FOR_SRP %q, want the sub", typed, a.params["USER_ID_FOR_SRP"])
		}
		out := must(a.respond(em.client, a.answer(t, strongPassword, a.now())))(t)
		if claims(t, *out.AuthenticationResult.AccessToken)["username"] != *su.UserSub {
			t.Fatal("wrong user signed in")
		}
	}
}

func testSRPUnknownUser(t *testing.T, e *Env) {
	c := e.Client
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.UsernameAttributes = []types.UsernameAttributeType{"email"}
	})
	hidden := must(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("hidden"),
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled, ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_SRP_AUTH"}}))(t)
	hid := *hidden.UserPoolClient.ClientId
	su := must(c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String("real@example.com"), Password: aws.String(strongPassword)}))(t)
	must(c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("real@example.com"), ConfirmationCode: aws.String(f.code(t, "real@example.com"))}))(t)

	real := must(f.srpStart(t, hid, "real@example.com"))(t)
	g1 := must(f.srpStart(t, hid, "ghost@example.com"))(t)
	g2 := must(f.srpStart(t, hid, "Ghost@Example.com"))(t) // the same address, folded
	other := must(f.srpStart(t, hid, "phantom@example.com"))(t)
	if real.params["USER_ID_FOR_SRP"] != *su.UserSub {
		t.Fatalf("real user: %v", real.params)
	}
	// ENUM-02: stable per (pool, username), and shaped like a real user's.
	if g1.params["SALT"] != g2.params["SALT"] || g1.params["USER_ID_FOR_SRP"] != g2.params["USER_ID_FOR_SRP"] {
		t.Fatalf("simulated SALT/USER_ID_FOR_SRP must be stable: %v vs %v", g1.params, g2.params)
	}
	if other.params["SALT"] == g1.params["SALT"] || other.params["USER_ID_FOR_SRP"] == g1.params["USER_ID_FOR_SRP"] {
		t.Fatal("simulated values must differ between usernames")
	}
	if g1.params["SRP_B"] == g2.params["SRP_B"] || g1.params["SECRET_BLOCK"] == g2.params["SECRET_BLOCK"] {
		t.Fatal("simulated SRP_B and SECRET_BLOCK must be fresh")
	}
	for _, a := range []*srpAttempt{real, g1} {
		p := a.params
		if a.name != "PASSWORD_VERIFIER" || !uuidRe.MatchString(p["USER_ID_FOR_SRP"]) || p["USERNAME"] != p["USER_ID_FOR_SRP"] || !saltRe.MatchString(p["SALT"]) ||
			len(p["SRP_B"]) < 700 || a.sess != nil {
			t.Fatalf("shape: %s %v", a.name, p)
		}
	}
	if d := len(g1.params["SECRET_BLOCK"]) - len(real.params["SECRET_BLOCK"]); d < -8 || d > 8 {
		t.Fatalf("SECRET_BLOCK sizes differ: %d vs %d", len(g1.params["SECRET_BLOCK"]), len(real.params["SECRET_BLOCK"]))
	}
	// ... then fails at the verifier exactly like a wrong password.
	_, errGhost := g1.respond(hid, g1.answer(t, strongPassword, g1.now()))
	_, errWrong := real.respond(hid, real.answer(t, "Wrong-Password-1", real.now()))
	wantErr(t, errGhost, "NotAuthorizedException", "Incorrect username or password.")
	wantErr(t, errWrong, "NotAuthorizedException", "Incorrect username or password.")
	must(real.respond(hid, real.answer(t, strongPassword, real.now())))(t)
	// The LEGACY client says it plainly.
	_, err := f.srpStart(t, f.client, "ghost@example.com")
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
	// Here the username is the sub: typed as such, a real user's comes back as typed, and so
	// does any other name that is not an email address.
	for _, typed := range []string{*su.UserSub, "0f8fad5b-d9cb-469f-a165-70867728950e"} {
		a := must(f.srpStart(t, hid, typed))(t)
		if a.params["USER_ID_FOR_SRP"] != typed || a.params["USERNAME"] != typed {
			t.Fatalf("%s: USER_ID_FOR_SRP %q", typed, a.params["USER_ID_FOR_SRP"])
		}
	}

	// Every spelling of a name gets one answer, real or not: in a case-insensitive pool a real
	// user's USER_ID_FOR_SRP is the stored name however it is typed, so an unknown one's is the
	// typed name folded as the pool folds it (before, an unknown name came back as typed).
	ci := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.UsernameConfiguration = &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}
	})
	cih := must(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(ci.poolID), ClientName: aws.String("hidden"),
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled, ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_SRP_AUTH"}}))(t)
	ci.confirmedUser(t, "sam", "sam@example.com")
	for _, name := range []string{"sam", "ghost"} {
		var salt string
		for _, typed := range []string{name, strings.ToUpper(name), strings.ToUpper(name[:1]) + name[1:]} {
			a := must(ci.srpStart(t, *cih.UserPoolClient.ClientId, typed))(t)
			if a.params["USER_ID_FOR_SRP"] != name || a.params["USERNAME"] != name || (salt != "" && a.params["SALT"] != salt) {
				t.Fatalf("%s: %v", typed, a.params)
			}
			salt = a.params["SALT"]
		}
	}
	a := must(ci.srpStart(t, *cih.UserPoolClient.ClientId, "SAM"))(t)
	must(a.respond(*cih.UserPoolClient.ClientId, a.answer(t, strongPassword, a.now())))(t)

	// In a plain-username pool a real user's USER_ID_FOR_SRP is the name typed, so an unknown
	// user's is too.
	plain := newPool(t, e, nil)
	ph := must(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(plain.poolID), ClientName: aws.String("hidden"),
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled, ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_SRP_AUTH"}}))(t)
	pg := must(plain.srpStart(t, *ph.UserPoolClient.ClientId, "casper"))(t)
	if pg.params["USER_ID_FOR_SRP"] != "casper" || !saltRe.MatchString(pg.params["SALT"]) {
		t.Fatalf("plain pool simulation: %v", pg.params)
	}
	_, err = pg.respond(*ph.UserPoolClient.ClientId, pg.answer(t, strongPassword, pg.now()))
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
}

// deviceClient is the device side of device SRP, as amazon-cognito-identity-js keeps it.
type deviceClient struct {
	key, group, password string
}

// confirmDevice does what the JavaScript client does with NewDeviceMetadata.
func confirmDevice(t *testing.T, e *Env, res *types.AuthenticationResultType) (deviceClient, *cip.ConfirmDeviceOutput) {
	t.Helper()
	m := res.NewDeviceMetadata
	if m == nil || !deviceKeyRe.MatchString(*m.DeviceKey) || *m.DeviceGroupKey == "" {
		t.Fatalf("NewDeviceMetadata: %+v", m)
	}
	pw, salt, verifier, err := srp.NewDeviceSecret(rand.Reader, *m.DeviceGroupKey, *m.DeviceKey)
	if err != nil {
		t.Fatal(err)
	}
	out := must(e.Client.ConfirmDevice(ctx, &cip.ConfirmDeviceInput{AccessToken: res.AccessToken, DeviceKey: m.DeviceKey, DeviceName: aws.String("test device"),
		DeviceSecretVerifierConfig: &types.DeviceSecretVerifierConfigType{Salt: aws.String(base64.StdEncoding.EncodeToString(salt)),
			PasswordVerifier: aws.String(base64.StdEncoding.EncodeToString(verifier))}}))(t)
	return deviceClient{key: *m.DeviceKey, group: *m.DeviceGroupKey, password: pw}, out
}

// deviceSignIn answers DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER; the password is the
// device's, or a wrong one.
func (d deviceClient) signIn(t *testing.T, e *Env, client, username string, session *string, password string) (*cip.RespondToAuthChallengeOutput, error) {
	t.Helper()
	dc := newSRPClient(t)
	ch := must(e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(client), ChallengeName: types.ChallengeNameTypeDeviceSrpAuth,
		Session: session, ChallengeResponses: map[string]string{"USERNAME": username, "DEVICE_KEY": d.key, "SRP_A": dc.SRPA()}}))(t)
	p := ch.ChallengeParameters
	if ch.ChallengeName != types.ChallengeNameTypeDevicePasswordVerifier || p["DEVICE_KEY"] != d.key || p["USERNAME"] != username || p["SECRET_BLOCK"] == "" {
		t.Fatalf("DEVICE_PASSWORD_VERIFIER: %+v", ch)
	}
	if _, err := hex.DecodeString(strings.Repeat("0", len(p["SALT"])%2) + p["SALT"]); err != nil {
		t.Fatalf("SALT %q", p["SALT"])
	}
	ts := srp.FormatTimestamp(e.Clock.Now())
	sig, err := dc.PasswordClaim(d.group, d.key, password, srp.Challenge{Salt: p["SALT"], B: p["SRP_B"], SecretBlock: p["SECRET_BLOCK"]}, ts)
	if err != nil {
		t.Fatal(err)
	}
	return e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(client), ChallengeName: types.ChallengeNameTypeDevicePasswordVerifier,
		Session: ch.Session, ChallengeResponses: map[string]string{"USERNAME": username, "DEVICE_KEY": d.key, "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
			"PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": ts}})
}

func testDevices(t *testing.T, e *Env) {
	c := e.Client
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.DeviceConfiguration = &types.DeviceConfigurationType{DeviceOnlyRememberedOnUserPrompt: true}
	})
	pool := aws.String(f.poolID)
	f.confirmedUser(t, "dee", "dee@example.com")

	// First sign-in: a new device key, bound to the tokens.
	first := must(f.srpSignIn(t, "dee", strongPassword))(t).AuthenticationResult
	if first.NewDeviceMetadata == nil {
		t.Fatal("no NewDeviceMetadata with device tracking on")
	}
	key := *first.NewDeviceMetadata.DeviceKey
	if claims(t, *first.AccessToken)["device_key"] != key {
		t.Fatalf("access token device_key: %v", claims(t, *first.AccessToken)["device_key"])
	}
	// Refresh needs the device key now.
	_, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": *first.RefreshToken}})
	wantErr(t, err, "NotAuthorizedException", "Invalid Refresh Token")
	r := must(c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": *first.RefreshToken, "DEVICE_KEY": key}}))(t)
	if claims(t, *r.AuthenticationResult.AccessToken)["device_key"] != key {
		t.Fatal("refresh lost device_key")
	}

	// ConfirmDevice (user opt-in: confirmation needed), then remember it.
	_, err = c.ConfirmDevice(ctx, &cip.ConfirmDeviceInput{AccessToken: first.AccessToken, DeviceKey: aws.String("us-east-1_00000000-0000-4000-8000-000000000000"),
		DeviceSecretVerifierConfig: &types.DeviceSecretVerifierConfigType{Salt: aws.String("AQ=="), PasswordVerifier: aws.String("Ag==")}})
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")
	dev, cd := confirmDevice(t, e, first)
	if !cd.UserConfirmationNecessary {
		t.Fatal("DeviceOnlyRememberedOnUserPrompt: UserConfirmationNecessary should be true")
	}
	_, err = c.ConfirmDevice(ctx, &cip.ConfirmDeviceInput{AccessToken: first.AccessToken, DeviceKey: aws.String(key),
		DeviceSecretVerifierConfig: &types.DeviceSecretVerifierConfigType{Salt: aws.String("AQ=="), PasswordVerifier: aws.String("Ag==")}})
	wantErr(t, err, "DeviceKeyExistsException", "")
	attr := func(d *types.DeviceType, name string) string {
		for _, a := range d.DeviceAttributes {
			if *a.Name == name {
				return *a.Value
			}
		}
		return ""
	}
	gd := must(c.GetDevice(ctx, &cip.GetDeviceInput{AccessToken: first.AccessToken, DeviceKey: aws.String(key)}))(t)
	if *gd.Device.DeviceKey != key || attr(gd.Device, "dev:device_remembered_status") != "not_remembered" || attr(gd.Device, "device_name") != "test device" || gd.Device.DeviceCreateDate == nil {
		t.Fatalf("GetDevice: %+v", gd.Device)
	}
	must(c.UpdateDeviceStatus(ctx, &cip.UpdateDeviceStatusInput{AccessToken: first.AccessToken, DeviceKey: aws.String(key), DeviceRememberedStatus: types.DeviceRememberedStatusTypeRemembered}))(t)
	ag := must(c.AdminGetDevice(ctx, &cip.AdminGetDeviceInput{UserPoolId: pool, Username: aws.String("dee"), DeviceKey: aws.String(key)}))(t)
	if attr(ag.Device, "dev:device_remembered_status") != "remembered" {
		t.Fatalf("AdminGetDevice after UpdateDeviceStatus: %+v", ag.Device)
	}
	_, err = c.GetDevice(ctx, &cip.GetDeviceInput{AccessToken: first.AccessToken, DeviceKey: aws.String("us-east-1_00000000-0000-4000-8000-000000000000")})
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")

	// Second sign-in with the device: PASSWORD_VERIFIER -> DEVICE_SRP_AUTH -> DEVICE_PASSWORD_VERIFIER -> tokens.
	a := must(f.srpStart(t, f.client, "dee"))(t)
	resp := a.answer(t, strongPassword, a.now())
	resp["DEVICE_KEY"] = key
	ch := must(a.respond(f.client, resp))(t)
	if ch.ChallengeName != types.ChallengeNameTypeDeviceSrpAuth || ch.Session == nil || ch.AuthenticationResult != nil {
		t.Fatalf("want DEVICE_SRP_AUTH: %+v", ch)
	}
	_, err = dev.signIn(t, e, f.client, "dee", ch.Session, "not-the-device-password")
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	a = must(f.srpStart(t, f.client, "dee"))(t)
	resp = a.answer(t, strongPassword, a.now())
	resp["DEVICE_KEY"] = key
	ch = must(a.respond(f.client, resp))(t)
	second := must(dev.signIn(t, e, f.client, "dee", ch.Session, dev.password))(t).AuthenticationResult
	if second == nil || second.NewDeviceMetadata != nil || claims(t, *second.AccessToken)["device_key"] != key {
		t.Fatalf("device sign-in result: %+v", second)
	}
	gt := must(c.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(f.client), RefreshToken: second.RefreshToken, DeviceKey: aws.String(key)}))(t)
	if claims(t, *gt.AuthenticationResult.AccessToken)["device_key"] != key {
		t.Fatal("GetTokensFromRefreshToken lost device_key")
	}
	gd = must(c.GetDevice(ctx, &cip.GetDeviceInput{AccessToken: second.AccessToken, DeviceKey: aws.String(key)}))(t)
	if gd.Device.DeviceLastAuthenticatedDate == nil {
		t.Fatal("DeviceLastAuthenticatedDate not set")
	}

	// USER_PASSWORD_AUTH with the device goes the same way.
	pa := must(c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "dee", "PASSWORD": strongPassword, "DEVICE_KEY": key}}))(t)
	if pa.ChallengeName != types.ChallengeNameTypeDeviceSrpAuth {
		t.Fatalf("USER_PASSWORD_AUTH with a device: %+v", pa)
	}
	must(dev.signIn(t, e, f.client, "dee", pa.Session, dev.password))(t)

	// An unknown DEVICE_KEY: Cognito's exact text; the same verifier answer without it then succeeds.
	ghost := "us-east-1_11111111-2222-4333-8444-555555555555"
	a = must(f.srpStart(t, f.client, "dee"))(t)
	resp = a.answer(t, strongPassword, a.now())
	resp["DEVICE_KEY"] = ghost
	_, err = a.respond(f.client, resp)
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")
	delete(resp, "DEVICE_KEY")
	retry := must(a.respond(f.client, resp))(t)
	if retry.AuthenticationResult == nil || retry.AuthenticationResult.NewDeviceMetadata == nil {
		t.Fatalf("retry without the device: %+v", retry)
	}
	_, err = c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "dee", "PASSWORD": strongPassword, "DEVICE_KEY": ghost}})
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")
	// A device of another user is unknown too.
	f.confirmedUser(t, "eli", "eli@example.com")
	_, err = c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "eli", "PASSWORD": strongPassword, "DEVICE_KEY": key}})
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")

	// A second confirmed device; lists and admin operations.
	dev2, _ := confirmDevice(t, e, retry.AuthenticationResult)
	ld := must(c.ListDevices(ctx, &cip.ListDevicesInput{AccessToken: second.AccessToken, Limit: aws.Int32(1)}))(t)
	if len(ld.Devices) != 1 || ld.PaginationToken == nil {
		t.Fatalf("ListDevices page 1: %+v", ld)
	}
	ld2 := must(c.ListDevices(ctx, &cip.ListDevicesInput{AccessToken: second.AccessToken, Limit: aws.Int32(1), PaginationToken: ld.PaginationToken}))(t)
	if len(ld2.Devices) != 1 || *ld2.Devices[0].DeviceKey == *ld.Devices[0].DeviceKey {
		t.Fatalf("ListDevices page 2: %+v", ld2)
	}
	must(c.AdminUpdateDeviceStatus(ctx, &cip.AdminUpdateDeviceStatusInput{UserPoolId: pool, Username: aws.String("dee"), DeviceKey: aws.String(dev2.key),
		DeviceRememberedStatus: types.DeviceRememberedStatusTypeNotRemembered}))(t)
	must(c.AdminForgetDevice(ctx, &cip.AdminForgetDeviceInput{UserPoolId: pool, Username: aws.String("dee"), DeviceKey: aws.String(dev2.key)}))(t)
	_, err = c.AdminForgetDevice(ctx, &cip.AdminForgetDeviceInput{UserPoolId: pool, Username: aws.String("dee"), DeviceKey: aws.String(dev2.key)})
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")
	al := must(c.AdminListDevices(ctx, &cip.AdminListDevicesInput{UserPoolId: pool, Username: aws.String("dee")}))(t)
	if len(al.Devices) != 1 || *al.Devices[0].DeviceKey != key {
		t.Fatalf("AdminListDevices: %+v", al.Devices)
	}

	// Forgetting a device ends its refresh tokens; signing in with it is then refused.
	must(c.ForgetDevice(ctx, &cip.ForgetDeviceInput{AccessToken: second.AccessToken, DeviceKey: aws.String(key)}))(t)
	_, err = c.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(f.client), RefreshToken: second.RefreshToken, DeviceKey: aws.String(key)})
	wantErr(t, err, "NotAuthorizedException", "Refresh Token has been revoked")
	_, err = c.GetDevice(ctx, &cip.GetDeviceInput{AccessToken: second.AccessToken, DeviceKey: aws.String(key)})
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")
	_, err = c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "dee", "PASSWORD": strongPassword, "DEVICE_KEY": key}})
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")

	// Devices are the user's: deleting the user deletes them.
	third := must(f.signIn(t, "dee", strongPassword))(t)
	confirmDevice(t, e, third)
	must(c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: pool, Username: aws.String("dee")}))(t)
	f.confirmedUser(t, "dee", "dee2@example.com")
	al = must(c.AdminListDevices(ctx, &cip.AdminListDevicesInput{UserPoolId: pool, Username: aws.String("dee")}))(t)
	if len(al.Devices) != 0 {
		t.Fatalf("a new user inherited devices: %+v", al.Devices)
	}

	// Without device tracking there are no device keys and no device operations.
	plain := newPool(t, e, nil)
	res := plain.confirmedUser(t, "pat", "pat@example.com")
	if res.NewDeviceMetadata != nil {
		t.Fatal("NewDeviceMetadata without device tracking")
	}
	_, err = c.ListDevices(ctx, &cip.ListDevicesInput{AccessToken: res.AccessToken})
	wantErr(t, err, "InvalidUserPoolConfigurationException", "")
}

func testUserAuth(t *testing.T, e *Env) {
	c := e.Client
	f := newPool(t, e, nil)
	ua := must(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("choice"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}))(t)
	client := aws.String(*ua.UserPoolClient.ClientId)
	initiate := func(params map[string]string, session *string) (*cip.InitiateAuthOutput, error) {
		return c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: client, AuthFlow: types.AuthFlowTypeUserAuth, AuthParameters: params, Session: session})
	}
	respond := func(name types.ChallengeNameType, session *string, resp map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
		return c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: client, ChallengeName: name, Session: session, ChallengeResponses: resp})
	}

	// Sign up, confirm, and sign in with the confirmation's Session: no factor asked again.
	su := must(c.SignUp(ctx, &cip.SignUpInput{ClientId: client, Username: aws.String("una"), Password: aws.String(strongPassword),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("una@example.com")}}}))(t)
	if su.Session == nil || len(*su.Session) < 20 {
		t.Fatalf("SignUp returned no Session: %+v", su)
	}
	_, err := initiate(map[string]string{"USERNAME": "una"}, su.Session)
	wantErr(t, err, "UserNotConfirmedException", "User is not confirmed.")
	cs := must(c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: client, Username: aws.String("una"), ConfirmationCode: aws.String(f.code(t, "una@example.com")), Session: su.Session}))(t)
	if cs.Session == nil || *cs.Session == *su.Session {
		t.Fatalf("ConfirmSignUp Session: %+v", cs)
	}
	// The Session is bound to its user and client.
	f.confirmedUser(t, "vic", "vic@example.com")
	_, err = initiate(map[string]string{"USERNAME": "vic"}, cs.Session)
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	_, err = c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserAuth,
		AuthParameters: map[string]string{"USERNAME": "una"}, Session: cs.Session})
	wantErr(t, err, "InvalidParameterException", "USER_AUTH flow not enabled for this client")
	_, err = initiate(map[string]string{"USERNAME": "una"}, su.Session) // retired by the confirmation
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	out := must(initiate(map[string]string{"USERNAME": "una"}, cs.Session))(t)
	if out.AuthenticationResult == nil || claims(t, *out.AuthenticationResult.AccessToken)["username"] != "una" {
		t.Fatalf("sign-in with the confirmation Session: %+v", out)
	}
	_, err = initiate(map[string]string{"USERNAME": "una"}, cs.Session) // single use
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	// It is short-lived.
	must(c.SignUp(ctx, &cip.SignUpInput{ClientId: client, Username: aws.String("wes"), Password: aws.String(strongPassword),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("wes@example.com")}}}))(t)
	cf := must(c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: client, Username: aws.String("wes"), ConfirmationCode: aws.String(f.code(t, "wes@example.com"))}))(t)
	e.Clock.Advance(181 * time.Second)
	_, err = initiate(map[string]string{"USERNAME": "wes"}, cf.Session)
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")

	// No preference: SELECT_CHALLENGE with the password factor's two challenges.
	sel := must(initiate(map[string]string{"USERNAME": "una"}, nil))(t)
	if sel.ChallengeName != types.ChallengeNameTypeSelectChallenge || sel.Session == nil ||
		len(sel.AvailableChallenges) != 2 || sel.AvailableChallenges[0] != "PASSWORD" || sel.AvailableChallenges[1] != "PASSWORD_SRP" {
		t.Fatalf("SELECT_CHALLENGE: %+v", sel)
	}
	_, err = respond(types.ChallengeNameTypeSelectChallenge, sel.Session, map[string]string{"USERNAME": "una", "ANSWER": "PASSWORD", "PASSWORD": "Wrong-Password-1"})
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	_, err = respond(types.ChallengeNameTypeSelectChallenge, sel.Session, map[string]string{"USERNAME": "una", "ANSWER": "EMAIL_OTP"})
	wantErr(t, err, "InvalidParameterException", "")
	ok := must(respond(types.ChallengeNameTypeSelectChallenge, sel.Session, map[string]string{"USERNAME": "una", "ANSWER": "PASSWORD", "PASSWORD": strongPassword}))(t)
	if ok.AuthenticationResult == nil {
		t.Fatalf("ANSWER PASSWORD: %+v", ok)
	}
	_, err = respond(types.ChallengeNameTypeSelectChallenge, sel.Session, map[string]string{"USERNAME": "una", "ANSWER": "PASSWORD", "PASSWORD": strongPassword})
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")

	// ANSWER PASSWORD_SRP with SRP_A: PASSWORD_VERIFIER, then tokens.
	sel = must(initiate(map[string]string{"USERNAME": "una"}, nil))(t)
	cl := newSRPClient(t)
	pv := must(respond(types.ChallengeNameTypeSelectChallenge, sel.Session, map[string]string{"USERNAME": "una", "ANSWER": "PASSWORD_SRP", "SRP_A": cl.SRPA()}))(t)
	att := &srpAttempt{f: f, client: cl, name: string(pv.ChallengeName), params: pv.ChallengeParameters, sess: pv.Session}
	must(att.respond(*client, att.answer(t, strongPassword, att.now())))(t)

	// PREFERRED_CHALLENGE with its answer in the same call.
	direct := must(initiate(map[string]string{"USERNAME": "una", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": strongPassword}, nil))(t)
	if direct.AuthenticationResult == nil {
		t.Fatalf("PREFERRED_CHALLENGE PASSWORD: %+v", direct)
	}
	cl = newSRPClient(t)
	pv2 := must(initiate(map[string]string{"USERNAME": "una", "PREFERRED_CHALLENGE": "PASSWORD_SRP", "SRP_A": cl.SRPA()}, nil))(t)
	if pv2.ChallengeName != types.ChallengeNameTypePasswordVerifier || pv2.Session == nil {
		t.Fatalf("PREFERRED_CHALLENGE PASSWORD_SRP: %+v", pv2)
	}
	// ... answered without its Session, as USER_SRP_AUTH clients answer (the SECRET_BLOCK carries
	// the step), it signs in too, once.
	att = &srpAttempt{f: f, client: cl, name: string(pv2.ChallengeName), params: pv2.ChallengeParameters}
	must(att.respond(*client, att.answer(t, strongPassword, att.now())))(t)
	att.sess = pv2.Session
	_, err = att.respond(*client, att.answer(t, strongPassword, att.now()))
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	// ... or without it: the challenge alone, answered as Amplify does (SELECT_CHALLENGE + ANSWER).
	alone := must(initiate(map[string]string{"USERNAME": "una", "PREFERRED_CHALLENGE": "PASSWORD"}, nil))(t)
	if alone.ChallengeName != types.ChallengeNameTypePassword {
		t.Fatalf("PREFERRED_CHALLENGE without PASSWORD: %+v", alone)
	}
	_, err = respond(types.ChallengeNameTypeSelectChallenge, alone.Session, map[string]string{"USERNAME": "una", "ANSWER": "PASSWORD_SRP", "SRP_A": cl.SRPA()})
	wantErr(t, err, "InvalidParameterException", "")
	must(respond(types.ChallengeNameTypeSelectChallenge, alone.Session, map[string]string{"USERNAME": "una", "ANSWER": "PASSWORD", "PASSWORD": strongPassword}))(t)
	// A preference not on offer falls back to the choice.
	fb := must(initiate(map[string]string{"USERNAME": "una", "PREFERRED_CHALLENGE": "WEB_AUTHN"}, nil))(t)
	if fb.ChallengeName != types.ChallengeNameTypeSelectChallenge {
		t.Fatalf("unavailable preference: %+v", fb)
	}
	_, err = initiate(map[string]string{"USERNAME": "nobody"}, nil)
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
}
