package model

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cognatehq/cognate/pkg/cognito"
)

// standardAttributes are the names a Schema entry of CreateUserPool overrides rather than adds
// as custom:<name>. updated_at is one (AWS CDK writes {Name: updated_at, Required: true} for
// its lastUpdateTime); sub, identities and the *_verified flags are Cognito's own.
var standardAttributes = []string{"address", "birthdate", "email", "family_name", "gender", "given_name",
	"locale", "middle_name", "name", "nickname", "phone_number", "picture", "preferred_username",
	"profile", "zoneinfo", "website", "updated_at"}

// Developer-only attributes (DeveloperOnlyAttribute) are named dev:custom:<name>, as Cognito
// names them in DescribeUserPool and as administrators write them. Only administrators read or
// write them: app clients never see them (GetUser, ID tokens) nor change them.
const devPrefix = "dev:"

func DeveloperOnly(name string) bool { return strings.HasPrefix(name, devPrefix) }

func Ptr[T any](v T) *T { return &v }

// StandardSchema is the schema Cognito reports for every pool before custom attributes.
func StandardSchema() []SchemaAttributeType {
	str := func(name string, minL, maxL string) SchemaAttributeType {
		return SchemaAttributeType{Name: Ptr(name), AttributeDataType: Ptr("String"), DeveloperOnlyAttribute: Ptr(false),
			Mutable: Ptr(true), Required: Ptr(false), StringAttributeConstraints: &StringAttributeConstraintsType{MinLength: Ptr(minL), MaxLength: Ptr(maxL)}}
	}
	out := []SchemaAttributeType{{Name: Ptr("sub"), AttributeDataType: Ptr("String"), DeveloperOnlyAttribute: Ptr(false),
		Mutable: Ptr(false), Required: Ptr(true), StringAttributeConstraints: &StringAttributeConstraintsType{MinLength: Ptr("1"), MaxLength: Ptr("2048")}}}
	for _, n := range []string{"name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture", "website", "email"} {
		out = append(out, str(n, "0", "2048"))
	}
	out = append(out, SchemaAttributeType{Name: Ptr("email_verified"), AttributeDataType: Ptr("Boolean"), DeveloperOnlyAttribute: Ptr(false), Mutable: Ptr(true), Required: Ptr(false)})
	out = append(out, str("gender", "0", "2048"), str("birthdate", "10", "10"), str("zoneinfo", "0", "2048"), str("locale", "0", "2048"), str("phone_number", "0", "2048"))
	out = append(out, SchemaAttributeType{Name: Ptr("phone_number_verified"), AttributeDataType: Ptr("Boolean"), DeveloperOnlyAttribute: Ptr(false), Mutable: Ptr(true), Required: Ptr(false)})
	out = append(out, str("address", "0", "2048"))
	out = append(out, SchemaAttributeType{Name: Ptr("updated_at"), AttributeDataType: Ptr("Number"), DeveloperOnlyAttribute: Ptr(false), Mutable: Ptr(true), Required: Ptr(false),
		NumberAttributeConstraints: &NumberAttributeConstraintsType{MinValue: Ptr("0")}})
	out = append(out, SchemaAttributeType{Name: Ptr("identities"), AttributeDataType: Ptr("String"), DeveloperOnlyAttribute: Ptr(false), Mutable: Ptr(true), Required: Ptr(false),
		StringAttributeConstraints: &StringAttributeConstraintsType{}})
	return out
}

// MergeSchema applies a CreateUserPool Schema (standard overrides and custom attributes) or the
// attributes of AddCustomAttributes onto a schema, with Cognito's rules and messages. Constraints
// are checked the same way for standard overrides and custom attributes.
func MergeSchema(in []SchemaAttributeType, existing []SchemaAttributeType, creating bool) ([]SchemaAttributeType, error) {
	out := slices.Clone(existing)
	index := func(name string) int {
		for i, a := range out {
			if *a.Name == name {
				return i
			}
		}
		return -1
	}
	customs := 0
	for _, a := range out {
		if strings.HasPrefix(strings.TrimPrefix(*a.Name, devPrefix), "custom:") {
			customs++
		}
	}
	for _, a := range in {
		if a.Name == nil || *a.Name == "" {
			return nil, cognito.InvalidParameter("Schema attribute name must not be empty.")
		}
		name := *a.Name
		if creating && slices.Contains(standardAttributes, name) {
			i := index(name)
			cur := out[i]
			if (a.AttributeDataType != nil && *a.AttributeDataType != *cur.AttributeDataType) || (a.DeveloperOnlyAttribute != nil && *a.DeveloperOnlyAttribute) {
				return nil, cognito.InvalidParameter("You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute %s", name)
			}
			if a.Required != nil {
				cur.Required = a.Required
			}
			if a.Mutable != nil {
				cur.Mutable = a.Mutable
			}
			// Only the constraints of the attribute's own type apply, as for custom attributes.
			switch *cur.AttributeDataType {
			case "String":
				if a.StringAttributeConstraints != nil {
					cur.StringAttributeConstraints = a.StringAttributeConstraints
				}
			case "Number":
				if a.NumberAttributeConstraints != nil {
					cur.NumberAttributeConstraints = a.NumberAttributeConstraints
				}
			}
			if err := checkConstraints(cur); err != nil {
				return nil, err
			}
			out[i] = cur
			continue
		}
		if name == "sub" || strings.HasSuffix(name, "_verified") || name == "updated_at" || name == "identities" {
			return nil, cognito.InvalidParameter("%s is a reserved attribute name.", name)
		}
		base := strings.TrimPrefix(name, "custom:")
		if len(base) > 20 {
			return nil, cognito.InvalidParameter("Custom attribute name %s is longer than 20 characters.", name)
		}
		for _, taken := range []string{"custom:" + base, devPrefix + "custom:" + base} {
			if index(taken) >= 0 {
				return nil, cognito.InvalidParameter("Existing attribute already has name %s.", taken)
			}
		}
		if a.AttributeDataType == nil || *a.AttributeDataType == "" {
			return nil, cognito.InvalidParameter("Invalid AttributeDataType input, consider using the provided AttributeDataType enum.")
		}
		if a.Required != nil && *a.Required {
			return nil, cognito.InvalidParameter("Required custom attributes are not supported currently.")
		}
		dev := a.DeveloperOnlyAttribute != nil && *a.DeveloperOnlyAttribute
		full := "custom:" + base
		if dev {
			full = devPrefix + full
		}
		dt := *a.AttributeDataType
		c := SchemaAttributeType{Name: Ptr(full), AttributeDataType: Ptr(dt), DeveloperOnlyAttribute: Ptr(dev),
			Mutable: Ptr(a.Mutable == nil || *a.Mutable), Required: Ptr(false)}
		switch dt {
		case "String":
			c.StringAttributeConstraints = a.StringAttributeConstraints
			if c.StringAttributeConstraints == nil {
				c.StringAttributeConstraints = &StringAttributeConstraintsType{}
			}
		case "Number":
			c.NumberAttributeConstraints = a.NumberAttributeConstraints
			if c.NumberAttributeConstraints == nil {
				c.NumberAttributeConstraints = &NumberAttributeConstraintsType{}
			}
		}
		if err := checkConstraints(c); err != nil {
			return nil, err
		}
		customs++
		if customs > 50 {
			return nil, cognito.LimitExceeded("The user pool cannot have more than 50 custom attributes.")
		}
		out = append(out, c)
	}
	return out, nil
}

// checkConstraints checks an attribute's length or value bounds with Cognito's messages: each
// bound a whole number (a length also not negative), a length at most 2048, min <= max.
func checkConstraints(a SchemaAttributeType) error {
	num := func(p *string, kind string, negative bool) (int64, bool, error) {
		if p == nil || *p == "" {
			return 0, false, nil
		}
		v, err := strconv.ParseInt(*p, 10, 64)
		if err != nil || (v < 0 && !negative) {
			return 0, false, cognito.InvalidParameter("Invalid %s for schema attribute %s", kind, *a.Name)
		}
		return v, true, nil
	}
	if c := a.StringAttributeConstraints; c != nil {
		const kind = "StringAttributeConstraints"
		lo, okLo, err := num(c.MinLength, kind, false)
		if err != nil {
			return err
		}
		hi, okHi, err := num(c.MaxLength, kind, false)
		if err != nil {
			return err
		}
		if (okLo && lo > 2048) || (okHi && hi > 2048) {
			return cognito.InvalidParameter("user.%s: String attributes cannot have a length of more than 2048", *a.Name)
		}
		if okLo && okHi && lo > hi {
			return cognito.InvalidParameter("user.%s: Max length cannot be less than min length.", *a.Name)
		}
	}
	if c := a.NumberAttributeConstraints; c != nil {
		const kind = "NumberAttributeConstraints"
		lo, okLo, err := num(c.MinValue, kind, true)
		if err != nil {
			return err
		}
		hi, okHi, err := num(c.MaxValue, kind, true)
		if err != nil {
			return err
		}
		if okLo && okHi && lo > hi {
			return cognito.InvalidParameter("user.%s: Max value cannot be less than min value.", *a.Name)
		}
	}
	return nil
}

var PoolIDRe = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)

var Verifiable = []string{"email", "phone_number"}

func ValidatePoolSettings(in *PoolSettings) error {
	for _, a := range in.AutoVerifiedAttributes {
		if !slices.Contains(Verifiable, a) {
			return cognito.InvalidParameter("1 validation error detected: Value '[%s]' at 'autoVerifiedAttributes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [phone_number, email]]", a)
		}
	}
	if p := in.Policies; p != nil && p.PasswordPolicy != nil && p.PasswordPolicy.MinimumLength == nil {
		p.PasswordPolicy.MinimumLength = Ptr(int32(8))
	}
	if p := in.Policies; p != nil && p.PasswordPolicy != nil && p.PasswordPolicy.TemporaryPasswordValidityDays == 0 {
		p.PasswordPolicy.TemporaryPasswordValidityDays = 7
	}
	if t := in.VerificationMessageTemplate; t != nil {
		if t.EmailMessage != "" && !strings.Contains(t.EmailMessage, "{####}") {
			return cognito.InvalidParameter("Email message must contain {####} placeholder.")
		}
		if t.SmsMessage != "" && !strings.Contains(t.SmsMessage, "{####}") {
			return cognito.InvalidParameter("SMS message must contain {####} placeholder.")
		}
	}
	if in.EmailVerificationMessage != "" && !strings.Contains(in.EmailVerificationMessage, "{####}") {
		return cognito.InvalidParameter("Email verification message must contain {####} placeholder.")
	}
	if in.SmsVerificationMessage != "" && !strings.Contains(in.SmsVerificationMessage, "{####}") {
		return cognito.InvalidParameter("SMS verification message must contain {####} placeholder.")
	}
	if a := in.AdminCreateUserConfig; a != nil && a.InviteMessageTemplate != nil {
		t := a.InviteMessageTemplate
		for _, m := range []string{t.EmailMessage, t.SMSMessage} {
			if m != "" && (!strings.Contains(m, "{####}") || !strings.Contains(m, "{username}")) {
				return cognito.InvalidParameter("Invitation message template must contain {username} and {####} placeholders.")
			}
		}
	}
	return checkLambdaConfig(in.LambdaConfig)
}

// checkLambdaConfig applies the rules between LambdaConfig's members that the shape's tags cannot
// say, and fills PreTokenGeneration and PreTokenGenerationConfig from each other as Cognito
// reports them (the bare ARN is the V1_0 configuration). The messages are ours: Cognito's own
// texts for these two refusals are not recorded in the protocol notes.
func checkLambdaConfig(lc *LambdaConfigType) error {
	if lc == nil {
		return nil
	}
	switch cfg := lc.PreTokenGenerationConfig; {
	case cfg != nil && lc.PreTokenGeneration != "" && lc.PreTokenGeneration != cfg.LambdaArn:
		return cognito.InvalidParameter("PreTokenGeneration and PreTokenGenerationConfig.LambdaArn must name the same function.")
	case cfg != nil:
		lc.PreTokenGeneration = cfg.LambdaArn
	case lc.PreTokenGeneration != "":
		lc.PreTokenGenerationConfig = &PreTokenGenerationVersionConfigType{LambdaVersion: "V1_0", LambdaArn: lc.PreTokenGeneration}
	}
	if (lc.CustomEmailSender != nil || lc.CustomSMSSender != nil) && lc.KMSKeyID == "" {
		return cognito.InvalidParameter("KMSKeyID is required when CustomEmailSender or CustomSMSSender is configured.")
	}
	return nil
}

// ApplySettings copies the shared settings into a pool, as CreateUserPool and UpdateUserPool do.
// UpdateUserPool resets every omitted setting to its default, like Cognito.
func ApplySettings(p *UserPoolType, in *PoolSettings) {
	p.Policies = in.Policies
	if p.Policies == nil {
		p.Policies = &UserPoolPolicyType{}
	}
	if p.Policies.PasswordPolicy == nil {
		pp := defaultPasswordPolicy()
		p.Policies.PasswordPolicy = &pp
	}
	if p.Policies.SignInPolicy == nil {
		p.Policies.SignInPolicy = &SignInPolicyType{AllowedFirstAuthFactors: []string{"PASSWORD"}}
	}
	p.DeletionProtection = in.DeletionProtection
	if p.DeletionProtection == "" {
		p.DeletionProtection = "INACTIVE"
	}
	p.LambdaConfig = in.LambdaConfig
	p.AutoVerifiedAttributes = in.AutoVerifiedAttributes
	p.SmsVerificationMessage = in.SmsVerificationMessage
	p.EmailVerificationMessage = in.EmailVerificationMessage
	p.EmailVerificationSubject = in.EmailVerificationSubject
	p.VerificationMessageTemplate = in.VerificationMessageTemplate
	if p.VerificationMessageTemplate == nil {
		p.VerificationMessageTemplate = &VerificationMessageTemplateType{DefaultEmailOption: "CONFIRM_WITH_CODE"}
	} else if p.VerificationMessageTemplate.DefaultEmailOption == "" {
		p.VerificationMessageTemplate.DefaultEmailOption = "CONFIRM_WITH_CODE"
	}
	mirrorMessages(p)
	p.SmsAuthenticationMessage = in.SmsAuthenticationMessage
	p.UserAttributeUpdateSettings = in.UserAttributeUpdateSettings
	p.MfaConfiguration = in.MfaConfiguration
	if p.MfaConfiguration == "" {
		p.MfaConfiguration = "OFF"
	}
	p.DeviceConfiguration = in.DeviceConfiguration
	p.EmailConfiguration = in.EmailConfiguration
	if len(p.EmailConfiguration) == 0 {
		p.EmailConfiguration = json.RawMessage(`{"EmailSendingAccount":"COGNITO_DEFAULT"}`)
	}
	p.SmsConfiguration = in.SmsConfiguration
	p.UserPoolTags = in.UserPoolTags
	p.AdminCreateUserConfig = in.AdminCreateUserConfig
	if p.AdminCreateUserConfig == nil {
		p.AdminCreateUserConfig = &AdminCreateUserConfigType{UnusedAccountValidityDays: 7}
	}
	p.UserPoolAddOns = in.UserPoolAddOns
	p.AccountRecoverySetting = in.AccountRecoverySetting
	p.UserPoolTier = in.UserPoolTier
	if p.UserPoolTier == "" {
		p.UserPoolTier = "ESSENTIALS"
	}
}

// mirrorMessages keeps the verification messages of VerificationMessageTemplate and their older
// top-level forms equal, as Cognito does (terraform-provider-aws's acceptance tests against
// Cognito check both directions): EmailMessage is EmailVerificationMessage, EmailSubject is
// EmailVerificationSubject, SmsMessage is SmsVerificationMessage, whatever the
// DefaultEmailOption. When both forms are given the template's wins (terraform-provider-aws #2423).
func mirrorMessages(p *UserPoolType) {
	t := p.VerificationMessageTemplate
	if t == nil {
		return
	}
	for _, m := range []struct{ tmpl, legacy *string }{
		{&t.EmailMessage, &p.EmailVerificationMessage},
		{&t.EmailSubject, &p.EmailVerificationSubject},
		{&t.SmsMessage, &p.SmsVerificationMessage},
	} {
		if *m.tmpl != "" {
			*m.legacy = *m.tmpl
		} else {
			*m.tmpl = *m.legacy
		}
	}
}
