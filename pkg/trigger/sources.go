package trigger

import (
	"reflect"
	"slices"

	"github.com/aws/aws-lambda-go/events"
)

// Trigger is a LambdaConfig key (LambdaConfigType's member names) and the name Cognito puts in a
// trigger's error messages ("PreSignUp failed with error ...").
type Trigger string

// The triggers a pool's LambdaConfig configures. PreTokenGeneration is configured by its ARN
// (PreTokenGeneration, V1_0 events) or by PreTokenGenerationConfig {LambdaArn, LambdaVersion};
// CustomEmailSender, CustomSMSSender and InboundFederation by {LambdaArn, LambdaVersion}.
const (
	PreSignUp                   Trigger = "PreSignUp"
	PostConfirmation            Trigger = "PostConfirmation"
	PreAuthentication           Trigger = "PreAuthentication"
	PostAuthentication          Trigger = "PostAuthentication"
	DefineAuthChallenge         Trigger = "DefineAuthChallenge"
	CreateAuthChallenge         Trigger = "CreateAuthChallenge"
	VerifyAuthChallengeResponse Trigger = "VerifyAuthChallengeResponse"
	PreTokenGeneration          Trigger = "PreTokenGeneration"
	UserMigration               Trigger = "UserMigration"
	CustomMessage               Trigger = "CustomMessage"
	CustomEmailSender           Trigger = "CustomEmailSender"
	CustomSMSSender             Trigger = "CustomSMSSender"
	InboundFederation           Trigger = "InboundFederation"
)

// Invocation is how Cognito calls a trigger's function.
type Invocation int

const (
	// RequestResponse waits for the function's answer (every trigger but the custom senders).
	RequestResponse Invocation = iota
	// Event queues the call and reads no answer (CustomEmailSender, CustomSMSSender).
	Event
)

// Invocation is how Cognito calls t.
func (t Trigger) Invocation() Invocation {
	if t == CustomEmailSender || t == CustomSMSSender {
		return Event
	}
	return RequestResponse
}

// Source is a triggerSource value: which trigger fires, and for which operation.
type Source string

// Every triggerSource Cognito sends (§7.2).
const (
	PreSignUpSignUp           Source = "PreSignUp_SignUp"
	PreSignUpAdminCreateUser  Source = "PreSignUp_AdminCreateUser"
	PreSignUpExternalProvider Source = "PreSignUp_ExternalProvider"

	PostConfirmationConfirmSignUp         Source = "PostConfirmation_ConfirmSignUp" // also AdminConfirmSignUp and an auto-confirmed SignUp
	PostConfirmationConfirmForgotPassword Source = "PostConfirmation_ConfirmForgotPassword"

	PreAuthenticationAuthentication  Source = "PreAuthentication_Authentication"
	PostAuthenticationAuthentication Source = "PostAuthentication_Authentication"

	DefineAuthChallengeAuthentication         Source = "DefineAuthChallenge_Authentication"
	CreateAuthChallengeAuthentication         Source = "CreateAuthChallenge_Authentication"
	VerifyAuthChallengeResponseAuthentication Source = "VerifyAuthChallengeResponse_Authentication"

	TokenGenerationHostedAuth           Source = "TokenGeneration_HostedAuth"
	TokenGenerationAuthentication       Source = "TokenGeneration_Authentication"
	TokenGenerationNewPasswordChallenge Source = "TokenGeneration_NewPasswordChallenge"
	TokenGenerationAuthenticateDevice   Source = "TokenGeneration_AuthenticateDevice"
	TokenGenerationRefreshTokens        Source = "TokenGeneration_RefreshTokens"
	TokenGenerationClientCredentials    Source = "TokenGeneration_ClientCredentials" // V3_0 only

	UserMigrationAuthentication      Source = "UserMigration_Authentication"
	UserMigrationForgotPassword      Source = "UserMigration_ForgotPassword"
	CustomMessageSignUp              Source = "CustomMessage_SignUp"
	CustomMessageAdminCreateUser     Source = "CustomMessage_AdminCreateUser"
	CustomMessageResendCode          Source = "CustomMessage_ResendCode"
	CustomMessageForgotPassword      Source = "CustomMessage_ForgotPassword"
	CustomMessageUpdateUserAttribute Source = "CustomMessage_UpdateUserAttribute"
	CustomMessageVerifyUserAttribute Source = "CustomMessage_VerifyUserAttribute"
	CustomMessageAuthentication      Source = "CustomMessage_Authentication" // an MFA or OTP code

	CustomEmailSenderSignUp                      Source = "CustomEmailSender_SignUp"
	CustomEmailSenderResendCode                  Source = "CustomEmailSender_ResendCode"
	CustomEmailSenderForgotPassword              Source = "CustomEmailSender_ForgotPassword"
	CustomEmailSenderUpdateUserAttribute         Source = "CustomEmailSender_UpdateUserAttribute"
	CustomEmailSenderVerifyUserAttribute         Source = "CustomEmailSender_VerifyUserAttribute"
	CustomEmailSenderAdminCreateUser             Source = "CustomEmailSender_AdminCreateUser"
	CustomEmailSenderAccountTakeOverNotification Source = "CustomEmailSender_AccountTakeOverNotification"
	CustomEmailSenderAuthentication              Source = "CustomEmailSender_Authentication"

	CustomSMSSenderSignUp                      Source = "CustomSMSSender_SignUp"
	CustomSMSSenderResendCode                  Source = "CustomSMSSender_ResendCode"
	CustomSMSSenderForgotPassword              Source = "CustomSMSSender_ForgotPassword"
	CustomSMSSenderUpdateUserAttribute         Source = "CustomSMSSender_UpdateUserAttribute"
	CustomSMSSenderVerifyUserAttribute         Source = "CustomSMSSender_VerifyUserAttribute"
	CustomSMSSenderAdminCreateUser             Source = "CustomSMSSender_AdminCreateUser"
	CustomSMSSenderAccountTakeOverNotification Source = "CustomSMSSender_AccountTakeOverNotification"
	CustomSMSSenderAuthentication              Source = "CustomSMSSender_Authentication"

	InboundFederationExternalProvider Source = "InboundFederation_ExternalProvider"
)

// Version is one LambdaVersion a trigger can be configured with and the event it is sent.
type Version struct {
	// LambdaVersion is LambdaConfig's spelling: V1_0, V2_0, V3_0.
	LambdaVersion string
	// Event is the event's struct type; a function receives it as JSON.
	Event reflect.Type
}

// Header is the event's "version": "1" for V1_0, "2" for V2_0, "3" for V3_0.
func (v Version) Header() string {
	if len(v.LambdaVersion) < 2 {
		return ""
	}
	return v.LambdaVersion[1:2]
}

// Spec is one row of the catalogue: a trigger source, its trigger, and the versions it is sent in.
type Spec struct {
	Source  Source
	Trigger Trigger
	// Versions lists the LambdaVersions this source is sent in. Shared by every copy of the
	// row: read, never modify.
	Versions []Version
}

// Version is the version lambdaVersion names, if the source is sent in it. "" is a trigger
// configured by its bare ARN, which is V1_0 (so client credentials, V3_0 only, are not sent).
func (s Spec) Version(lambdaVersion string) (Version, bool) {
	if lambdaVersion == "" {
		lambdaVersion = "V1_0"
	}
	i := slices.IndexFunc(s.Versions, func(v Version) bool { return v.LambdaVersion == lambdaVersion })
	if i < 0 {
		return Version{}, false
	}
	return s.Versions[i], true
}

func v1(event any) []Version { return []Version{{"V1_0", reflect.TypeOf(event)}} }

var (
	preToken = []Version{
		{"V1_0", reflect.TypeFor[events.CognitoEventUserPoolsPreTokenGen]()},
		{"V2_0", reflect.TypeFor[events.CognitoEventUserPoolsPreTokenGenV2_0]()},
		{"V3_0", reflect.TypeFor[events.CognitoEventUserPoolsPreTokenGenV2_0]()},
	}
	// Client credentials (machine-to-machine) tokens fire the trigger only in V3_0.
	preTokenV3 = preToken[2:]
)

func row(t Trigger, versions []Version, sources ...Source) []Spec {
	specs := make([]Spec, len(sources))
	for i, s := range sources {
		specs[i] = Spec{Source: s, Trigger: t, Versions: versions}
	}
	return specs
}

var catalogue = slices.Concat(
	row(PreSignUp, v1(events.CognitoEventUserPoolsPreSignup{}),
		PreSignUpSignUp, PreSignUpAdminCreateUser, PreSignUpExternalProvider),
	row(PostConfirmation, v1(events.CognitoEventUserPoolsPostConfirmation{}),
		PostConfirmationConfirmSignUp, PostConfirmationConfirmForgotPassword),
	row(PreAuthentication, v1(events.CognitoEventUserPoolsPreAuthentication{}), PreAuthenticationAuthentication),
	row(PostAuthentication, v1(events.CognitoEventUserPoolsPostAuthentication{}), PostAuthenticationAuthentication),
	row(DefineAuthChallenge, v1(events.CognitoEventUserPoolsDefineAuthChallenge{}), DefineAuthChallengeAuthentication),
	row(CreateAuthChallenge, v1(events.CognitoEventUserPoolsCreateAuthChallenge{}), CreateAuthChallengeAuthentication),
	row(VerifyAuthChallengeResponse, v1(events.CognitoEventUserPoolsVerifyAuthChallenge{}), VerifyAuthChallengeResponseAuthentication),
	row(PreTokenGeneration, preToken,
		TokenGenerationHostedAuth, TokenGenerationAuthentication, TokenGenerationNewPasswordChallenge,
		TokenGenerationAuthenticateDevice, TokenGenerationRefreshTokens),
	row(PreTokenGeneration, preTokenV3, TokenGenerationClientCredentials),
	row(UserMigration, v1(events.CognitoEventUserPoolsMigrateUser{}), UserMigrationAuthentication, UserMigrationForgotPassword),
	row(CustomMessage, v1(events.CognitoEventUserPoolsCustomMessage{}),
		CustomMessageSignUp, CustomMessageAdminCreateUser, CustomMessageResendCode, CustomMessageForgotPassword,
		CustomMessageUpdateUserAttribute, CustomMessageVerifyUserAttribute, CustomMessageAuthentication),
	row(CustomEmailSender, v1(CustomSenderEvent{}),
		CustomEmailSenderSignUp, CustomEmailSenderResendCode, CustomEmailSenderForgotPassword,
		CustomEmailSenderUpdateUserAttribute, CustomEmailSenderVerifyUserAttribute, CustomEmailSenderAdminCreateUser,
		CustomEmailSenderAccountTakeOverNotification, CustomEmailSenderAuthentication),
	row(CustomSMSSender, v1(CustomSenderEvent{}),
		CustomSMSSenderSignUp, CustomSMSSenderResendCode, CustomSMSSenderForgotPassword,
		CustomSMSSenderUpdateUserAttribute, CustomSMSSenderVerifyUserAttribute, CustomSMSSenderAdminCreateUser,
		CustomSMSSenderAccountTakeOverNotification, CustomSMSSenderAuthentication),
	row(InboundFederation, v1(events.CognitoEventUserPoolsInboundFederation{}), InboundFederationExternalProvider),
)

var bySource = func() map[Source]Spec {
	m := make(map[Source]Spec, len(catalogue))
	for _, s := range catalogue {
		m[s.Source] = s
	}
	return m
}()

// Lookup is the catalogue's row for a trigger source.
func Lookup(s Source) (Spec, bool) {
	spec, ok := bySource[s]
	return spec, ok
}

// Catalogue lists every trigger source, grouped by trigger.
func Catalogue() []Spec { return slices.Clone(catalogue) }
