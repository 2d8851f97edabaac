package cognito

import (
	"slices"
	"strings"
)

// Family is the deployment unit an operation belongs to: one Lambda function (and one IAM role)
// per family, and the edge router picks the family by X-Amz-Target. The table below is the only
// place that mapping is written down.
type Family string

const (
	FamilySignup  Family = "signup"  // SignUp, ConfirmSignUp, ResendConfirmationCode
	FamilyAuth    Family = "auth"    // InitiateAuth, RespondToAuthChallenge and their Admin forms
	FamilyToken   Family = "token"   // GetTokensFromRefreshToken, RevokeToken
	FamilyAccount Family = "account" // access-token self-service, ForgotPassword, ConfirmForgotPassword, UpdateAuthEventFeedback
	FamilyAdmin   Family = "admin"   // every other SigV4 operation

	// FamilyOAuth owns no JSON operation: it serves /oauth2/*, the hosted UI and discovery. It is
	// named here so wiring can key every function by one type.
	FamilyOAuth Family = "oauth"
)

// Families lists the families that own JSON operations, in a fixed order.
func Families() []Family {
	return []Family{FamilySignup, FamilyAuth, FamilyToken, FamilyAccount, FamilyAdmin}
}

// AuthKind is how a caller proves who it is (protocol §1.3).
type AuthKind int

const (
	// AuthPublic operations carry only ClientId (+ SecretHash / ClientSecret); the SDKs send them unsigned.
	AuthPublic AuthKind = iota
	// AuthAccessToken operations carry a user's AccessToken (or sign-in Session) in the body; unsigned.
	AuthAccessToken
	// AuthSigV4 operations are IAM-signed; the server checks the signature before the endpoint runs.
	AuthSigV4
)

func (k AuthKind) String() string {
	switch k {
	case AuthPublic:
		return "public"
	case AuthAccessToken:
		return "access-token"
	case AuthSigV4:
		return "sigv4"
	}
	return "unknown"
}

// TargetPrefix starts every X-Amz-Target value the Cognito clients send.
const TargetPrefix = "AWSCognitoIdentityProviderService."

// Operation is one user-pool API operation as the protocol edge sees it.
type Operation struct {
	Name   string
	Family Family
	Auth   AuthKind
}

// Target is the X-Amz-Target header value that names the operation.
func (o Operation) Target() string { return TargetPrefix + o.Name }

// operations is every operation of aws-sdk-go-v2/service/cognitoidentityprovider v1.61.0, sorted
// by name. The auth kinds follow the SDK's auth.go: the 32 operations it sends anonymously are the
// public and access-token ones; all others are SigV4. ops_test.go checks both against the SDK.
var operations = []Operation{
	{"AddCustomAttributes", FamilyAdmin, AuthSigV4},
	{"AddUserPoolClientSecret", FamilyAdmin, AuthSigV4},
	{"AdminAddUserToGroup", FamilyAdmin, AuthSigV4},
	{"AdminConfirmSignUp", FamilyAdmin, AuthSigV4},
	{"AdminCreateUser", FamilyAdmin, AuthSigV4},
	{"AdminDeleteUser", FamilyAdmin, AuthSigV4},
	{"AdminDeleteUserAttributes", FamilyAdmin, AuthSigV4},
	{"AdminDisableProviderForUser", FamilyAdmin, AuthSigV4},
	{"AdminDisableUser", FamilyAdmin, AuthSigV4},
	{"AdminEnableUser", FamilyAdmin, AuthSigV4},
	{"AdminForgetDevice", FamilyAdmin, AuthSigV4},
	{"AdminGetDevice", FamilyAdmin, AuthSigV4},
	{"AdminGetUser", FamilyAdmin, AuthSigV4},
	{"AdminInitiateAuth", FamilyAuth, AuthSigV4},
	{"AdminLinkProviderForUser", FamilyAdmin, AuthSigV4},
	{"AdminListDevices", FamilyAdmin, AuthSigV4},
	{"AdminListGroupsForUser", FamilyAdmin, AuthSigV4},
	{"AdminListUserAuthEvents", FamilyAdmin, AuthSigV4},
	{"AdminRemoveUserFromGroup", FamilyAdmin, AuthSigV4},
	{"AdminResetUserPassword", FamilyAdmin, AuthSigV4},
	{"AdminRespondToAuthChallenge", FamilyAuth, AuthSigV4},
	{"AdminSetUserMFAPreference", FamilyAdmin, AuthSigV4},
	{"AdminSetUserPassword", FamilyAdmin, AuthSigV4},
	{"AdminSetUserSettings", FamilyAdmin, AuthSigV4},
	{"AdminUpdateAuthEventFeedback", FamilyAdmin, AuthSigV4},
	{"AdminUpdateDeviceStatus", FamilyAdmin, AuthSigV4},
	{"AdminUpdateUserAttributes", FamilyAdmin, AuthSigV4},
	{"AdminUserGlobalSignOut", FamilyAdmin, AuthSigV4},
	{"AssociateSoftwareToken", FamilyAccount, AuthAccessToken},
	{"ChangePassword", FamilyAccount, AuthAccessToken},
	{"CompleteWebAuthnRegistration", FamilyAccount, AuthAccessToken},
	{"ConfirmDevice", FamilyAccount, AuthAccessToken},
	{"ConfirmForgotPassword", FamilyAccount, AuthPublic},
	{"ConfirmSignUp", FamilySignup, AuthPublic},
	{"CreateGroup", FamilyAdmin, AuthSigV4},
	{"CreateIdentityProvider", FamilyAdmin, AuthSigV4},
	{"CreateManagedLoginBranding", FamilyAdmin, AuthSigV4},
	{"CreateResourceServer", FamilyAdmin, AuthSigV4},
	{"CreateTerms", FamilyAdmin, AuthSigV4},
	{"CreateUserImportJob", FamilyAdmin, AuthSigV4},
	{"CreateUserPool", FamilyAdmin, AuthSigV4},
	{"CreateUserPoolClient", FamilyAdmin, AuthSigV4},
	{"CreateUserPoolDomain", FamilyAdmin, AuthSigV4},
	{"CreateUserPoolReplica", FamilyAdmin, AuthSigV4},
	{"DeleteGroup", FamilyAdmin, AuthSigV4},
	{"DeleteIdentityProvider", FamilyAdmin, AuthSigV4},
	{"DeleteManagedLoginBranding", FamilyAdmin, AuthSigV4},
	{"DeleteResourceServer", FamilyAdmin, AuthSigV4},
	{"DeleteTerms", FamilyAdmin, AuthSigV4},
	{"DeleteUser", FamilyAccount, AuthAccessToken},
	{"DeleteUserAttributes", FamilyAccount, AuthAccessToken},
	{"DeleteUserPool", FamilyAdmin, AuthSigV4},
	{"DeleteUserPoolClient", FamilyAdmin, AuthSigV4},
	{"DeleteUserPoolClientSecret", FamilyAdmin, AuthSigV4},
	{"DeleteUserPoolDomain", FamilyAdmin, AuthSigV4},
	{"DeleteUserPoolReplica", FamilyAdmin, AuthSigV4},
	{"DeleteWebAuthnCredential", FamilyAccount, AuthAccessToken},
	{"DescribeIdentityProvider", FamilyAdmin, AuthSigV4},
	{"DescribeManagedLoginBranding", FamilyAdmin, AuthSigV4},
	{"DescribeManagedLoginBrandingByClient", FamilyAdmin, AuthSigV4},
	{"DescribeResourceServer", FamilyAdmin, AuthSigV4},
	{"DescribeRiskConfiguration", FamilyAdmin, AuthSigV4},
	{"DescribeTerms", FamilyAdmin, AuthSigV4},
	{"DescribeUserImportJob", FamilyAdmin, AuthSigV4},
	{"DescribeUserPool", FamilyAdmin, AuthSigV4},
	{"DescribeUserPoolClient", FamilyAdmin, AuthSigV4},
	{"DescribeUserPoolDomain", FamilyAdmin, AuthSigV4},
	{"ForgetDevice", FamilyAccount, AuthAccessToken},
	{"ForgotPassword", FamilyAccount, AuthPublic},
	{"GetCSVHeader", FamilyAdmin, AuthSigV4},
	{"GetDevice", FamilyAccount, AuthAccessToken},
	{"GetGroup", FamilyAdmin, AuthSigV4},
	{"GetIdentityProviderByIdentifier", FamilyAdmin, AuthSigV4},
	{"GetLogDeliveryConfiguration", FamilyAdmin, AuthSigV4},
	{"GetSigningCertificate", FamilyAdmin, AuthSigV4},
	{"GetTokensFromRefreshToken", FamilyToken, AuthPublic},
	{"GetUICustomization", FamilyAdmin, AuthSigV4},
	{"GetUser", FamilyAccount, AuthAccessToken},
	{"GetUserAttributeVerificationCode", FamilyAccount, AuthAccessToken},
	{"GetUserAuthFactors", FamilyAccount, AuthAccessToken},
	{"GetUserPoolMfaConfig", FamilyAdmin, AuthSigV4},
	{"GlobalSignOut", FamilyAccount, AuthAccessToken},
	{"InitiateAuth", FamilyAuth, AuthPublic},
	{"ListDevices", FamilyAccount, AuthAccessToken},
	{"ListGroups", FamilyAdmin, AuthSigV4},
	{"ListIdentityProviders", FamilyAdmin, AuthSigV4},
	{"ListResourceServers", FamilyAdmin, AuthSigV4},
	{"ListTagsForResource", FamilyAdmin, AuthSigV4},
	{"ListTerms", FamilyAdmin, AuthSigV4},
	{"ListUserImportJobs", FamilyAdmin, AuthSigV4},
	{"ListUserPoolClientSecrets", FamilyAdmin, AuthSigV4},
	{"ListUserPoolClients", FamilyAdmin, AuthSigV4},
	{"ListUserPoolReplicas", FamilyAdmin, AuthSigV4},
	{"ListUserPools", FamilyAdmin, AuthSigV4},
	{"ListUsers", FamilyAdmin, AuthSigV4},
	{"ListUsersInGroup", FamilyAdmin, AuthSigV4},
	{"ListWebAuthnCredentials", FamilyAccount, AuthAccessToken},
	{"ResendConfirmationCode", FamilySignup, AuthPublic},
	{"RespondToAuthChallenge", FamilyAuth, AuthPublic},
	{"RevokeToken", FamilyToken, AuthPublic},
	{"SetLogDeliveryConfiguration", FamilyAdmin, AuthSigV4},
	{"SetRiskConfiguration", FamilyAdmin, AuthSigV4},
	{"SetUICustomization", FamilyAdmin, AuthSigV4},
	{"SetUserMFAPreference", FamilyAccount, AuthAccessToken},
	{"SetUserPoolMfaConfig", FamilyAdmin, AuthSigV4},
	{"SetUserSettings", FamilyAccount, AuthAccessToken},
	{"SignUp", FamilySignup, AuthPublic},
	{"StartUserImportJob", FamilyAdmin, AuthSigV4},
	{"StartWebAuthnRegistration", FamilyAccount, AuthAccessToken},
	{"StopUserImportJob", FamilyAdmin, AuthSigV4},
	{"TagResource", FamilyAdmin, AuthSigV4},
	{"UntagResource", FamilyAdmin, AuthSigV4},
	{"UpdateAuthEventFeedback", FamilyAccount, AuthPublic},
	{"UpdateDeviceStatus", FamilyAccount, AuthAccessToken},
	{"UpdateGroup", FamilyAdmin, AuthSigV4},
	{"UpdateIdentityProvider", FamilyAdmin, AuthSigV4},
	{"UpdateManagedLoginBranding", FamilyAdmin, AuthSigV4},
	{"UpdateResourceServer", FamilyAdmin, AuthSigV4},
	{"UpdateTerms", FamilyAdmin, AuthSigV4},
	{"UpdateUserAttributes", FamilyAccount, AuthAccessToken},
	{"UpdateUserPool", FamilyAdmin, AuthSigV4},
	{"UpdateUserPoolClient", FamilyAdmin, AuthSigV4},
	{"UpdateUserPoolDomain", FamilyAdmin, AuthSigV4},
	{"UpdateUserPoolReplica", FamilyAdmin, AuthSigV4},
	{"VerifySoftwareToken", FamilyAccount, AuthAccessToken},
	{"VerifyUserAttribute", FamilyAccount, AuthAccessToken},
}

var byName = func() map[string]Operation {
	m := make(map[string]Operation, len(operations))
	for _, op := range operations {
		m[op.Name] = op
	}
	return m
}()

// Lookup finds an operation by its exact name (as in the X-Amz-Target suffix).
func Lookup(name string) (Operation, bool) {
	op, ok := byName[name]
	return op, ok
}

// Operations returns every operation sorted by name; the slice is the caller's to keep.
func Operations() []Operation { return slices.Clone(operations) }

// ParseTarget returns the operation an X-Amz-Target header names; ok is false for a missing or
// foreign prefix and for unknown names.
func ParseTarget(target string) (op Operation, ok bool) {
	name, found := strings.CutPrefix(target, TargetPrefix)
	if !found {
		return Operation{}, false
	}
	return Lookup(name)
}
