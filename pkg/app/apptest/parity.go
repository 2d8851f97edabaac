package apptest

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// runParityTests covers pool, schema and client configuration where a peer's Cognito suite
// (checked against real Cognito) found Cognate answering differently: spellings of booleans,
// developer-only attributes, standard-attribute overrides, message mirroring, the user estimate
// and the client attribute lists.
func runParityTests(t *testing.T, newTable storetest.NewTable) {
	t.Run("BooleanSpellings", func(t *testing.T) { testBooleanSpellings(t, Start(t, newTable)) })
	t.Run("DeveloperOnlyAttributes", func(t *testing.T) { testDeveloperOnlyAttributes(t, Start(t, newTable)) })
	t.Run("StandardAttributeOverrides", func(t *testing.T) { testStandardAttributeOverrides(t, Start(t, newTable)) })
	t.Run("VerificationMessages", func(t *testing.T) { testVerificationMessages(t, Start(t, newTable)) })
	t.Run("EstimatedNumberOfUsers", func(t *testing.T) { testEstimatedNumberOfUsers(t, Start(t, newTable)) })
	t.Run("ClientAttributeLists", func(t *testing.T) { testClientAttributeLists(t, Start(t, newTable)) })
}

func attr(name, value string) types.AttributeType {
	return types.AttributeType{Name: aws.String(name), Value: aws.String(value)}
}

func schemaAttr(t *testing.T, e *Env, pool, name string) (types.SchemaAttributeType, bool) {
	t.Helper()
	d := must(e.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(pool)}))(t)
	for _, a := range d.UserPool.SchemaAttributes {
		if *a.Name == name {
			return a, true
		}
	}
	return types.SchemaAttributeType{}, false
}

// testBooleanSpellings: Cognito takes "True" (any case) as a boolean attribute value — an admin
// creating a user with email_verified "True" gets a verified email that ForgotPassword then
// delivers to. Cognate stores the canonical "true"/"false" whatever the spelling.
func testBooleanSpellings(t *testing.T, e *Env) {
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.Schema = []types.SchemaAttributeType{{Name: aws.String("vip"), AttributeDataType: types.AttributeDataTypeBoolean}}
	})
	c := e.Client
	pool := aws.String(f.poolID)

	for i, tc := range []struct{ in, want string }{{"True", "true"}, {"TRUE", "true"}, {"true", "true"}, {"tRuE", "true"}} {
		name, email := fmt.Sprintf("ada%d", i), fmt.Sprintf("ada%d@example.com", i)
		must(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String(name), MessageAction: types.MessageActionTypeSuppress,
			UserAttributes: []types.AttributeType{attr("email", email), attr("email_verified", tc.in), attr("custom:vip", tc.in)}}))(t)
		if a := userAttrs(t, e, f.poolID, name); a["email_verified"] != tc.want || a["custom:vip"] != tc.want {
			t.Fatalf("%q stored as email_verified=%q custom:vip=%q, want %q", tc.in, a["email_verified"], a["custom:vip"], tc.want)
		}
		must(c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pool, Username: aws.String(name), Password: aws.String(strongPassword), Permanent: true}))(t)
		fp := must(c.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String(name)}))(t)
		if d := fp.CodeDeliveryDetails; d == nil || d.DeliveryMedium != types.DeliveryMediumTypeEmail || *d.AttributeName != "email" {
			t.Fatalf("ForgotPassword after email_verified=%q: %+v", tc.in, fp.CodeDeliveryDetails)
		}
		f.code(t, email) // the reset code reached the verified email
	}

	// "False" in any case is false; anything else is still refused, and nothing is written.
	must(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("bob"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{attr("email", "bob@example.com"), attr("email_verified", "FALSE"), attr("custom:vip", "False")}}))(t)
	if a := userAttrs(t, e, f.poolID, "bob"); a["email_verified"] != "false" || a["custom:vip"] != "false" {
		t.Fatalf("False stored as %q / %q", a["email_verified"], a["custom:vip"])
	}
	for _, bad := range []string{"yes", "1", "0", "", " true", "truee"} {
		_, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("cy"), MessageAction: types.MessageActionTypeSuppress,
			UserAttributes: []types.AttributeType{attr("email", "cy@example.com"), attr("email_verified", bad)}})
		wantErr(t, err, "InvalidParameterException", "Attributes did not conform to the schema: email_verified: Boolean must be true or false.\n")
	}
	_, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pool, Username: aws.String("cy")})
	wantErr(t, err, "UserNotFoundException", "")

	// Every other attribute write takes the same spellings.
	must(c.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: pool, Username: aws.String("bob"),
		UserAttributes: []types.AttributeType{attr("email_verified", "True"), attr("custom:vip", "TRUE")}}))(t)
	if a := userAttrs(t, e, f.poolID, "bob"); a["email_verified"] != "true" || a["custom:vip"] != "true" {
		t.Fatalf("AdminUpdateUserAttributes stored %q / %q", a["email_verified"], a["custom:vip"])
	}
	must(c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String("dee"), Password: aws.String(strongPassword),
		UserAttributes: []types.AttributeType{attr("email", "dee@example.com"), attr("custom:vip", "True")}}))(t)
	if a := userAttrs(t, e, f.poolID, "dee"); a["custom:vip"] != "true" {
		t.Fatalf("SignUp stored custom:vip=%q", a["custom:vip"])
	}
	must(c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("dee"), ConfirmationCode: aws.String(f.code(t, "dee@example.com"))}))(t)
	tok := must(f.signIn(t, "dee", strongPassword))(t)
	must(c.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: tok.AccessToken, UserAttributes: []types.AttributeType{attr("custom:vip", "FALSE")}}))(t)
	if a := userAttrs(t, e, f.poolID, "dee"); a["custom:vip"] != "false" {
		t.Fatalf("UpdateUserAttributes stored custom:vip=%q", a["custom:vip"])
	}
	_, err = c.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: tok.AccessToken, UserAttributes: []types.AttributeType{attr("custom:vip", "yes")}})
	wantErr(t, err, "InvalidParameterException", "Attributes did not conform to the schema: custom:vip: Boolean must be true or false.\n")

	// NEW_PASSWORD_REQUIRED answers may carry attributes too.
	must(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("eve"), TemporaryPassword: aws.String("Temp-Pass-123"),
		MessageAction: types.MessageActionTypeSuppress, UserAttributes: []types.AttributeType{attr("email", "eve@example.com")}}))(t)
	ch := must(c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "eve", "PASSWORD": "Temp-Pass-123"}}))(t)
	if ch.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Fatalf("want NEW_PASSWORD_REQUIRED, got %s", ch.ChallengeName)
	}
	must(c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(f.client), ChallengeName: ch.ChallengeName, Session: ch.Session,
		ChallengeResponses: map[string]string{"USERNAME": "eve", "NEW_PASSWORD": strongPassword, "userAttributes.custom:vip": "True"}}))(t)
	if a := userAttrs(t, e, f.poolID, "eve"); a["custom:vip"] != "true" {
		t.Fatalf("NEW_PASSWORD_REQUIRED stored custom:vip=%q", a["custom:vip"])
	}
}

// testDeveloperOnlyAttributes: a custom attribute with DeveloperOnlyAttribute is named
// dev:custom:<name>; administrators write and read it, app clients can do neither. A standard
// attribute cannot be made developer-only.
func testDeveloperOnlyAttributes(t *testing.T, e *Env) {
	c := e.Client
	_, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p"),
		Schema: []types.SchemaAttributeType{{Name: aws.String("email"), DeveloperOnlyAttribute: aws.Bool(true)}}})
	wantErr(t, err, "InvalidParameterException", "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute email")

	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.Schema = []types.SchemaAttributeType{
			{Name: aws.String("tier"), AttributeDataType: types.AttributeDataTypeString, DeveloperOnlyAttribute: aws.Bool(true)},
			{Name: aws.String("plan"), AttributeDataType: types.AttributeDataTypeString},
		}
	})
	pool := aws.String(f.poolID)
	a, ok := schemaAttr(t, e, f.poolID, "dev:custom:tier")
	if !ok || !*a.DeveloperOnlyAttribute || !*a.Mutable {
		t.Fatalf("dev:custom:tier in the schema: %v %+v", ok, a)
	}
	if _, ok := schemaAttr(t, e, f.poolID, "custom:tier"); ok {
		t.Fatal("a developer-only attribute is also listed as custom:tier")
	}
	if a, ok := schemaAttr(t, e, f.poolID, "custom:plan"); !ok || *a.DeveloperOnlyAttribute {
		t.Fatalf("custom:plan: %v %+v", ok, a)
	}
	must(c.AddCustomAttributes(ctx, &cip.AddCustomAttributesInput{UserPoolId: pool,
		CustomAttributes: []types.SchemaAttributeType{{Name: aws.String("quota"), AttributeDataType: types.AttributeDataTypeNumber, DeveloperOnlyAttribute: aws.Bool(true)}}}))(t)
	if _, ok := schemaAttr(t, e, f.poolID, "dev:custom:quota"); !ok {
		t.Fatal("AddCustomAttributes: no dev:custom:quota")
	}
	_, err = c.AddCustomAttributes(ctx, &cip.AddCustomAttributesInput{UserPoolId: pool,
		CustomAttributes: []types.SchemaAttributeType{{Name: aws.String("tier"), AttributeDataType: types.AttributeDataTypeString, DeveloperOnlyAttribute: aws.Bool(true)}}})
	wantErr(t, err, "InvalidParameterException", "Existing attribute already has name dev:custom:tier.")
	_, err = c.AddCustomAttributes(ctx, &cip.AddCustomAttributesInput{UserPoolId: pool,
		CustomAttributes: []types.SchemaAttributeType{{Name: aws.String("tier"), AttributeDataType: types.AttributeDataTypeString}}})
	wantErr(t, err, "InvalidParameterException", "Existing attribute already has name dev:custom:tier.")

	// Administrators write it (create and update) and read it.
	must(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("ann"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{attr("email", "ann@example.com"), attr("email_verified", "true"), attr("dev:custom:tier", "gold"), attr("custom:plan", "pro")}}))(t)
	must(c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pool, Username: aws.String("ann"), Password: aws.String(strongPassword), Permanent: true}))(t)
	must(c.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: pool, Username: aws.String("ann"),
		UserAttributes: []types.AttributeType{attr("dev:custom:tier", "platinum"), attr("dev:custom:quota", "7")}}))(t)
	if a := userAttrs(t, e, f.poolID, "ann"); a["dev:custom:tier"] != "platinum" || a["dev:custom:quota"] != "7" {
		t.Fatalf("AdminGetUser: %v", a)
	}
	lu := must(c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: pool}))(t)
	seen := false
	for _, u := range lu.Users {
		for _, a := range u.Attributes {
			seen = seen || *a.Name == "dev:custom:tier"
		}
	}
	if !seen {
		t.Fatal("ListUsers does not show the developer-only attribute")
	}

	// App clients never see it: not in GetUser, not in the ID token.
	tok := must(f.signIn(t, "ann", strongPassword))(t)
	gu := must(c.GetUser(ctx, &cip.GetUserInput{AccessToken: tok.AccessToken}))(t)
	plan := false
	for _, a := range gu.UserAttributes {
		if *a.Name == "dev:custom:tier" || *a.Name == "dev:custom:quota" {
			t.Fatalf("GetUser shows %s", *a.Name)
		}
		plan = plan || *a.Name == "custom:plan"
	}
	if !plan {
		t.Fatal("GetUser lost custom:plan")
	}
	id := claims(t, *tok.IdToken)
	if _, ok := id["dev:custom:tier"]; ok || id["custom:plan"] != "pro" {
		t.Fatalf("ID token claims: %v", id)
	}

	// ... and never write or delete it: sign-up, update, delete, NEW_PASSWORD_REQUIRED.
	const unauthorized = "A client attempted to write unauthorized attribute"
	_, err = c.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: tok.AccessToken, UserAttributes: []types.AttributeType{attr("dev:custom:tier", "free")}})
	wantErr(t, err, "NotAuthorizedException", unauthorized)
	_, err = c.DeleteUserAttributes(ctx, &cip.DeleteUserAttributesInput{AccessToken: tok.AccessToken, UserAttributeNames: []string{"dev:custom:tier"}})
	wantErr(t, err, "NotAuthorizedException", unauthorized)
	if a := userAttrs(t, e, f.poolID, "ann"); a["dev:custom:tier"] != "platinum" {
		t.Fatalf("a client changed the developer-only attribute: %v", a)
	}
	_, err = c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String("bo"), Password: aws.String(strongPassword),
		UserAttributes: []types.AttributeType{attr("email", "bo@example.com"), attr("dev:custom:tier", "gold")}})
	wantErr(t, err, "NotAuthorizedException", unauthorized)
	_, err = c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pool, Username: aws.String("bo")})
	wantErr(t, err, "UserNotFoundException", "")
	must(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("cal"), TemporaryPassword: aws.String("Temp-Pass-123"),
		MessageAction: types.MessageActionTypeSuppress, UserAttributes: []types.AttributeType{attr("email", "cal@example.com")}}))(t)
	ch := must(c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "cal", "PASSWORD": "Temp-Pass-123"}}))(t)
	_, err = c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(f.client), ChallengeName: ch.ChallengeName, Session: ch.Session,
		ChallengeResponses: map[string]string{"USERNAME": "cal", "NEW_PASSWORD": strongPassword, "userAttributes.dev:custom:tier": "gold"}})
	wantErr(t, err, "NotAuthorizedException", unauthorized)

	// A client cannot be granted it either.
	_, err = c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pool, ClientName: aws.String("w"), WriteAttributes: []string{"dev:custom:tier"}})
	wantErr(t, err, "InvalidParameterException", "Invalid write attributes specified while creating a client")
	_, err = c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pool, ClientName: aws.String("r"), ReadAttributes: []string{"dev:custom:tier"}})
	wantErr(t, err, "InvalidParameterException", "Invalid read attributes specified while creating a client")
}

// testStandardAttributeOverrides: a Schema entry naming a standard attribute (updated_at
// included, as AWS CDK's standard attributes produce) overrides Required, Mutable and its
// constraints, which are checked like a custom attribute's, with Cognito's messages; a custom
// attribute must name its AttributeDataType.
func testStandardAttributeOverrides(t *testing.T, e *Env) {
	c := e.Client
	create := func(s ...types.SchemaAttributeType) (*cip.CreateUserPoolOutput, error) {
		return c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p"), Schema: s})
	}
	str := func(name, lo, hi string) types.SchemaAttributeType {
		a := types.SchemaAttributeType{Name: aws.String(name), AttributeDataType: types.AttributeDataTypeString, StringAttributeConstraints: &types.StringAttributeConstraintsType{}}
		if lo != "" {
			a.StringAttributeConstraints.MinLength = aws.String(lo)
		}
		if hi != "" {
			a.StringAttributeConstraints.MaxLength = aws.String(hi)
		}
		return a
	}
	num := func(name, lo, hi string) types.SchemaAttributeType {
		a := types.SchemaAttributeType{Name: aws.String(name), AttributeDataType: types.AttributeDataTypeNumber, NumberAttributeConstraints: &types.NumberAttributeConstraintsType{}}
		if lo != "" {
			a.NumberAttributeConstraints.MinValue = aws.String(lo)
		}
		if hi != "" {
			a.NumberAttributeConstraints.MaxValue = aws.String(hi)
		}
		return a
	}
	for _, tc := range []struct {
		name string
		in   types.SchemaAttributeType
		msg  string
	}{
		{"email min not a number", str("email", "invalid_value", ""), "Invalid StringAttributeConstraints for schema attribute email"},
		{"email max not a number", str("email", "", "invalid_value"), "Invalid StringAttributeConstraints for schema attribute email"},
		{"email min negative", str("email", "-1", ""), "Invalid StringAttributeConstraints for schema attribute email"},
		{"email min over 2048", str("email", "2049", ""), "user.email: String attributes cannot have a length of more than 2048"},
		{"email max over 2048", str("email", "", "2049"), "user.email: String attributes cannot have a length of more than 2048"},
		{"email min over max", str("email", "2", "1"), "user.email: Max length cannot be less than min length."},
		{"updated_at max not a number", num("updated_at", "", "invalid_value"), "Invalid NumberAttributeConstraints for schema attribute updated_at"},
		{"updated_at min not a number", num("updated_at", "invalid_value", ""), "Invalid NumberAttributeConstraints for schema attribute updated_at"},
		{"updated_at min over max", num("updated_at", "2", "1"), "user.updated_at: Max value cannot be less than min value."},
		{"updated_at as a string", str("updated_at", "", ""), "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute updated_at"},
		{"custom max over 2048", str("bio", "", "2049"), "user.custom:bio: String attributes cannot have a length of more than 2048"},
		{"custom min over max", str("bio", "5", "4"), "user.custom:bio: Max length cannot be less than min length."},
		{"custom min not a number", str("bio", "x", ""), "Invalid StringAttributeConstraints for schema attribute custom:bio"},
		{"custom number min over max", num("rank", "9", "1"), "user.custom:rank: Max value cannot be less than min value."},
		{"custom without a data type", types.SchemaAttributeType{Name: aws.String("bio")}, "Invalid AttributeDataType input, consider using the provided AttributeDataType enum."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := create(tc.in)
			wantErr(t, err, "InvalidParameterException", tc.msg)
		})
	}
	before := must(c.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)}))(t)
	if len(before.UserPools) != 0 {
		t.Fatalf("a refused CreateUserPool left %d pools", len(before.UserPools))
	}

	// AddCustomAttributes refuses a missing data type too, and adds nothing.
	p := must(create())(t)
	_, err := c.AddCustomAttributes(ctx, &cip.AddCustomAttributesInput{UserPoolId: p.UserPool.Id,
		CustomAttributes: []types.SchemaAttributeType{{Name: aws.String("ok"), AttributeDataType: types.AttributeDataTypeString}, {Name: aws.String("bio")}}})
	wantErr(t, err, "InvalidParameterException", "Invalid AttributeDataType input, consider using the provided AttributeDataType enum.")
	if _, ok := schemaAttr(t, e, *p.UserPool.Id, "custom:ok"); ok {
		t.Fatal("a refused AddCustomAttributes added custom:ok")
	}

	// updated_at as AWS CDK writes it: accepted, Required, still a Number; a valid email override
	// is stored and enforced.
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.Schema = []types.SchemaAttributeType{{Name: aws.String("updated_at"), Mutable: aws.Bool(true), Required: aws.Bool(true)}, str("email", "3", "30")}
	})
	u, ok := schemaAttr(t, e, f.poolID, "updated_at")
	if !ok || !*u.Required || u.AttributeDataType != types.AttributeDataTypeNumber || u.NumberAttributeConstraints == nil || u.StringAttributeConstraints != nil {
		t.Fatalf("updated_at: %+v", u)
	}
	if em, _ := schemaAttr(t, e, f.poolID, "email"); *em.StringAttributeConstraints.MaxLength != "30" {
		t.Fatalf("email override not stored: %+v", em.StringAttributeConstraints)
	}
	signUp := func(name string, attrs ...types.AttributeType) error {
		_, err := c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String(name), Password: aws.String(strongPassword), UserAttributes: attrs})
		return err
	}
	wantErr(t, signUp("ann", attr("email", "ann@example.com")), "InvalidParameterException", "Attributes did not conform to the schema: updated_at: The attribute updated_at is required\n")
	wantErr(t, signUp("ann", attr("email", "ann@example.com"), attr("updated_at", "soon")), "InvalidParameterException", "Attributes did not conform to the schema: updated_at: Number must be a number.\n")
	wantErr(t, signUp("ann", attr("email", "a-very-long-address-indeed@example.com"), attr("updated_at", "1700000000")),
		"InvalidParameterException", "Attributes did not conform to the schema: email: String must be no longer than 30 characters\n")
	if err := signUp("ann", attr("email", "ann@example.com"), attr("updated_at", "1700000000")); err != nil {
		t.Fatal(err)
	}
}

// testVerificationMessages: Cognito mirrors VerificationMessageTemplate's EmailMessage,
// EmailSubject and SmsMessage into EmailVerificationMessage, EmailVerificationSubject and
// SmsVerificationMessage and back, whatever the DefaultEmailOption; when both are given the
// template wins.
func testVerificationMessages(t *testing.T, e *Env) {
	c := e.Client
	type msgs struct{ email, subject, sms string }
	check := func(t *testing.T, p *types.UserPoolType, want msgs) {
		t.Helper()
		v := p.VerificationMessageTemplate
		got := []string{aws.ToString(p.EmailVerificationMessage), aws.ToString(p.EmailVerificationSubject), aws.ToString(p.SmsVerificationMessage),
			aws.ToString(v.EmailMessage), aws.ToString(v.EmailSubject), aws.ToString(v.SmsMessage)}
		exp := []string{want.email, want.subject, want.sms, want.email, want.subject, want.sms}
		if fmt.Sprint(got) != fmt.Sprint(exp) {
			t.Fatalf("messages (legacy, template) = %q, want %q", got, exp)
		}
	}
	describe := func(id *string) *types.UserPoolType {
		return must(c.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: id}))(t).UserPool
	}
	tmpl := msgs{"Code {####} inside", "Your code", "SMS {####}"}
	legacy := msgs{"Legacy {####} here", "Legacy subject", "Legacy SMS {####}"}

	for _, option := range []types.DefaultEmailOptionType{types.DefaultEmailOptionTypeConfirmWithCode, types.DefaultEmailOptionTypeConfirmWithLink} {
		p := must(c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("t"), VerificationMessageTemplate: &types.VerificationMessageTemplateType{
			DefaultEmailOption: option, EmailMessage: aws.String(tmpl.email), EmailSubject: aws.String(tmpl.subject), SmsMessage: aws.String(tmpl.sms),
			EmailMessageByLink: aws.String("Click {##here##}"), EmailSubjectByLink: aws.String("Verify")}}))(t)
		check(t, p.UserPool, tmpl)
		check(t, describe(p.UserPool.Id), tmpl)
	}

	p := must(c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("l"), EmailVerificationMessage: aws.String(legacy.email),
		EmailVerificationSubject: aws.String(legacy.subject), SmsVerificationMessage: aws.String(legacy.sms)}))(t)
	check(t, describe(p.UserPool.Id), legacy)
	if o := describe(p.UserPool.Id).VerificationMessageTemplate.DefaultEmailOption; o != types.DefaultEmailOptionTypeConfirmWithCode {
		t.Fatalf("DefaultEmailOption = %q", o)
	}

	both := &cip.CreateUserPoolInput{PoolName: aws.String("b"), EmailVerificationMessage: aws.String(legacy.email),
		EmailVerificationSubject: aws.String(legacy.subject), SmsVerificationMessage: aws.String(legacy.sms),
		VerificationMessageTemplate: &types.VerificationMessageTemplateType{EmailMessage: aws.String(tmpl.email), EmailSubject: aws.String(tmpl.subject), SmsMessage: aws.String(tmpl.sms)}}
	p = must(c.CreateUserPool(ctx, both))(t)
	check(t, describe(p.UserPool.Id), tmpl)

	// UpdateUserPool mirrors the same way, and the mail sent uses the result.
	must(c.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: p.UserPool.Id, AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"},
		EmailVerificationMessage: aws.String(legacy.email), EmailVerificationSubject: aws.String(legacy.subject), SmsVerificationMessage: aws.String(legacy.sms)}))(t)
	check(t, describe(p.UserPool.Id), legacy)
	cl := must(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: p.UserPool.Id, ClientName: aws.String("web")}))(t)
	must(c.SignUp(ctx, &cip.SignUpInput{ClientId: cl.UserPoolClient.ClientId, Username: aws.String("ann"), Password: aws.String(strongPassword),
		UserAttributes: []types.AttributeType{attr("email", "ann@example.com")}}))(t)
	m, ok := e.Outbox.Latest("ann@example.com")
	if !ok || m.Subject != legacy.subject || m.Body != "Legacy "+m.Code+" here" {
		t.Fatalf("sign-up mail: %+v", m)
	}
}

// testEstimatedNumberOfUsers: DescribeUserPool estimates the pool's users from its user index.
func testEstimatedNumberOfUsers(t *testing.T, e *Env) {
	c := e.Client
	f := newPool(t, e, nil)
	other := newPool(t, e, nil)
	estimate := func(pool string) int32 {
		return must(c.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(pool)}))(t).UserPool.EstimatedNumberOfUsers
	}
	if n := estimate(f.poolID); n != 0 {
		t.Fatalf("empty pool: %d", n)
	}
	f.signUp(t, "ann", "ann@example.com")
	f.confirmedUser(t, "bob", "bob@example.com")
	for i := range 3 {
		must(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String(fmt.Sprintf("u%d", i)), MessageAction: types.MessageActionTypeSuppress}))(t)
	}
	other.signUp(t, "zed", "zed@example.com")
	if n := estimate(f.poolID); n != 5 {
		t.Fatalf("after 5 users: %d", n)
	}
	must(c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("u0")}))(t)
	tok := must(f.signIn(t, "bob", strongPassword))(t)
	must(c.DeleteUser(ctx, &cip.DeleteUserInput{AccessToken: tok.AccessToken}))(t)
	if n := estimate(f.poolID); n != 3 {
		t.Fatalf("after deleting 2 of 5: %d", n)
	}
	if n := estimate(other.poolID); n != 1 {
		t.Fatalf("other pool: %d", n)
	}
	// Once the kept estimate is a minute old it is counted again from the store.
	e.Clock.Advance(61 * time.Second)
	if n := estimate(f.poolID); n != 3 {
		t.Fatalf("recounted: %d", n)
	}
}

// testClientAttributeLists: an unknown name in ReadAttributes is reported as a read attribute,
// and UpdateUserPoolClient says "updating".
func testClientAttributeLists(t *testing.T, e *Env) {
	c := e.Client
	f := newPool(t, e, nil)
	pool := aws.String(f.poolID)
	_, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pool, ClientName: aws.String("r"), ReadAttributes: []string{"email", "nope"}})
	wantErr(t, err, "InvalidParameterException", "Invalid read attributes specified while creating a client")
	_, err = c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pool, ClientName: aws.String("w"), WriteAttributes: []string{"nope"}})
	wantErr(t, err, "InvalidParameterException", "Invalid write attributes specified while creating a client")
	_, err = c.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{UserPoolId: pool, ClientId: aws.String(f.client), ReadAttributes: []string{"nope"}})
	wantErr(t, err, "InvalidParameterException", "Invalid read attributes specified while updating a client")
	_, err = c.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{UserPoolId: pool, ClientId: aws.String(f.client), WriteAttributes: []string{"sub"}})
	wantErr(t, err, "InvalidParameterException", "Invalid write attributes specified while updating a client")
	d := must(c.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: pool, ClientId: aws.String(f.client)}))(t)
	if len(d.UserPoolClient.ReadAttributes) != 0 || len(d.UserPoolClient.WriteAttributes) != 0 || len(d.UserPoolClient.ExplicitAuthFlows) != 4 {
		t.Fatalf("a refused update changed the client: %+v", d.UserPoolClient)
	}
}
