package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/store"
)

// poolState is a pool as the service reads it: the stored wire shape plus derived lookups.
type Pool struct {
	UserPoolType
	Version int64
	Schema  map[string]SchemaAttributeType
}

func (p *Pool) Policy() PasswordPolicyType {
	if p.Policies != nil && p.Policies.PasswordPolicy != nil {
		return *p.Policies.PasswordPolicy
	}
	return DefaultPasswordPolicy()
}

func (p *Pool) CaseSensitive() bool {
	return p.UsernameConfiguration == nil || p.UsernameConfiguration.CaseSensitive == nil || *p.UsernameConfiguration.CaseSensitive
}

func (p *Pool) UsernameAttr(name string) bool {
	return slices.Contains(p.UsernameAttributes, name)
}
func (p *Pool) AliasAttr(name string) bool { return slices.Contains(p.AliasAttributes, name) }
func (p *Pool) AutoVerified(name string) bool {
	return slices.Contains(p.AutoVerifiedAttributes, name)
}

func (p *Pool) Templates() mail.Templates {
	var t mail.Templates
	if v := p.VerificationMessageTemplate; v != nil {
		t.EmailSubject, t.EmailMessage, t.SMSMessage = v.EmailSubject, v.EmailMessage, v.SmsMessage
	}
	if t.EmailSubject == "" {
		t.EmailSubject = p.EmailVerificationSubject
	}
	if t.EmailMessage == "" {
		t.EmailMessage = p.EmailVerificationMessage
	}
	if t.SMSMessage == "" {
		t.SMSMessage = p.SmsVerificationMessage
	}
	if a := p.AdminCreateUserConfig; a != nil && a.InviteMessageTemplate != nil {
		t.InviteEmailSubject = a.InviteMessageTemplate.EmailSubject
		t.InviteEmailMessage = a.InviteMessageTemplate.EmailMessage
		t.InviteSMSMessage = a.InviteMessageTemplate.SMSMessage
	}
	return t
}

func DefaultPasswordPolicy() PasswordPolicyType {
	eight := int32(8)
	return PasswordPolicyType{MinimumLength: &eight, RequireUppercase: true, RequireLowercase: true,
		RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 7}
}

func DecodePool(p *store.Pool) (*Pool, error) {
	ps := &Pool{Version: p.Version}
	if err := json.Unmarshal(p.Data, &ps.UserPoolType); err != nil {
		return nil, fmt.Errorf("userpool: corrupt pool %s: %w", p.ID, err)
	}
	MirrorMessages(&ps.UserPoolType) // pools stored before the mirroring
	ps.Schema = make(map[string]SchemaAttributeType, len(ps.SchemaAttributes))
	for _, a := range ps.SchemaAttributes {
		ps.Schema[*a.Name] = a
	}
	return ps, nil
}

// pool loads a pool or answers ResourceNotFoundException.
// The result is shared through the config cache: callers only read it.
func (s *Service) pool(ctx context.Context, id string) (*Pool, error) {
	if ps, ok := cacheGet(s.cache, s.cache.pools, id, s.now()); ok {
		return ps, nil
	}
	p, err := s.repo.GetPool(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, msg.PoolNotFound(id)
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	ps, err := DecodePool(p)
	if err != nil {
		return nil, msg.Internal(err)
	}
	cachePut(s.cache, &s.cache.pools, id, ps, s.now())
	return ps, nil
}

// ---- schema ----

// standardAttributes are the names a Schema entry of CreateUserPool overrides rather than adds
// as custom:<name>. updated_at is one (AWS CDK writes {Name: updated_at, Required: true} for
// its lastUpdateTime); sub, identities and the *_verified flags are Cognito's own.
var StandardAttributes = []string{"address", "birthdate", "email", "family_name", "gender", "given_name",
	"locale", "middle_name", "name", "nickname", "phone_number", "picture", "preferred_username",
	"profile", "zoneinfo", "website", "updated_at"}

// Developer-only attributes (DeveloperOnlyAttribute) are named dev:custom:<name>, as Cognito
// names them in DescribeUserPool and as administrators write them. Only administrators read or
// write them: app clients never see them (GetUser, ID tokens) nor change them.
const DevPrefix = "dev:"

func DeveloperOnly(name string) bool { return strings.HasPrefix(name, DevPrefix) }

func Ptr[T any](v T) *T { return &v }

// standardSchema is the schema Cognito reports for every pool before custom attributes.
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

// mergeSchema applies a CreateUserPool Schema (standard overrides and custom attributes) or the
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
		if strings.HasPrefix(strings.TrimPrefix(*a.Name, DevPrefix), "custom:") {
			customs++
		}
	}
	for _, a := range in {
		if a.Name == nil || *a.Name == "" {
			return nil, cognito.InvalidParameter("Schema attribute name must not be empty.")
		}
		name := *a.Name
		if creating && slices.Contains(StandardAttributes, name) {
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
			if err := CheckConstraints(cur); err != nil {
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
		for _, taken := range []string{"custom:" + base, DevPrefix + "custom:" + base} {
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
			full = DevPrefix + full
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
		if err := CheckConstraints(c); err != nil {
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
func CheckConstraints(a SchemaAttributeType) error {
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

// ---- pool operations ----

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
	return nil
}

// applySettings copies the shared settings into a pool, as CreateUserPool and UpdateUserPool do.
// UpdateUserPool resets every omitted setting to its default, like Cognito.
func ApplySettings(p *UserPoolType, in *PoolSettings) {
	p.Policies = in.Policies
	if p.Policies == nil {
		p.Policies = &UserPoolPolicyType{}
	}
	if p.Policies.PasswordPolicy == nil {
		pp := DefaultPasswordPolicy()
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
	MirrorMessages(p)
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
func MirrorMessages(p *UserPoolType) {
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

// CreateUserPool creates a pool with Cognito's defaults and its signing keys.
func (s *Service) CreateUserPool(ctx context.Context, in *CreateUserPoolInput) (*CreateUserPoolOutput, error) {
	return s.CreateUserPoolWithID(ctx, "", in)
}

// CreateUserPoolWithID is CreateUserPool with a chosen id (seed files and the local server's
// ready pool use it so a setup can be reproduced); "" draws a random id as Cognito does.
func (s *Service) CreateUserPoolWithID(ctx context.Context, id string, in *CreateUserPoolInput) (*CreateUserPoolOutput, error) {
	if id != "" && !PoolIDRe.MatchString(id) {
		return nil, cognito.InvalidParameter("Invalid user pool id %s.", id)
	}
	if err := ValidatePoolSettings(&in.PoolSettings); err != nil {
		return nil, err
	}
	for _, a := range in.UsernameAttributes {
		if !slices.Contains(Verifiable, a) {
			return nil, cognito.InvalidParameter("1 validation error detected: Value '[%s]' at 'usernameAttributes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [phone_number, email]]", a)
		}
	}
	for _, a := range in.AliasAttributes {
		if !slices.Contains([]string{"email", "phone_number", "preferred_username"}, a) {
			return nil, cognito.InvalidParameter("1 validation error detected: Value '[%s]' at 'aliasAttributes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [phone_number, email, preferred_username]]", a)
		}
	}
	if len(in.UsernameAttributes) > 0 && len(in.AliasAttributes) > 0 {
		return nil, cognito.InvalidParameter("Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.")
	}
	schema, err := MergeSchema(in.Schema, StandardSchema(), true)
	if err != nil {
		return nil, err
	}
	if id == "" {
		suffix, err := s.randomString(alnum, 9)
		if err != nil {
			return nil, msg.Internal(err)
		}
		id = s.cfg.Region + "_" + suffix
	}
	now := s.now()
	p := UserPoolType{
		Id: id, Name: in.PoolName, Arn: fmt.Sprintf("arn:aws:cognito-idp:%s:%s:userpool/%s", s.cfg.Region, s.cfg.AccountID, id),
		CreationDate: wireTime(now), LastModifiedDate: wireTime(now), SchemaAttributes: schema,
		AliasAttributes: in.AliasAttributes, UsernameAttributes: in.UsernameAttributes, UsernameConfiguration: in.UsernameConfiguration,
	}
	ApplySettings(&p, &in.PoolSettings)
	// Keys first: a pool that exists can always sign.
	if err := s.signer.EnsurePoolKeys(ctx, id); err != nil {
		return nil, msg.Internal(err)
	}
	if err := s.repo.CreatePool(ctx, &store.Pool{ID: id, Data: mustJSON(p)}); err != nil {
		if errors.Is(err, store.ErrExists) {
			return nil, cognito.InvalidParameter("User pool %s already exists.", id)
		}
		return nil, msg.Internal(err)
	}
	return &CreateUserPoolOutput{UserPool: &p}, nil
}

// DescribeUserPool returns the pool.
func (s *Service) DescribeUserPool(ctx context.Context, in *DescribeUserPoolInput) (*DescribeUserPoolOutput, error) {
	p, err := s.pool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	out := p.UserPoolType
	if out.EstimatedNumberOfUsers, err = s.estimate(ctx, p.Id); err != nil {
		return nil, msg.Internal(err)
	}
	return &DescribeUserPoolOutput{UserPool: &out}, nil
}

// UpdateUserPool replaces the pool's mutable settings (omitted ones return to their defaults).
func (s *Service) UpdateUserPool(ctx context.Context, in *UpdateUserPoolInput) (*UpdateUserPoolOutput, error) {
	defer s.cache.dropPool(in.UserPoolId)
	if err := ValidatePoolSettings(&in.PoolSettings); err != nil {
		return nil, err
	}
	_, err := s.repo.UpdatePool(ctx, in.UserPoolId, func(sp *store.Pool) error {
		p, err := DecodePool(sp)
		if err != nil {
			return err
		}
		ApplySettings(&p.UserPoolType, &in.PoolSettings)
		p.LastModifiedDate = wireTime(s.now())
		sp.Data = mustJSON(p.UserPoolType)
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, msg.PoolNotFound(in.UserPoolId)
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	return &UpdateUserPoolOutput{}, nil
}

// DeleteUserPool deletes a pool unless deletion protection is on.
func (s *Service) DeleteUserPool(ctx context.Context, in *DeleteUserPoolInput) (*DeleteUserPoolOutput, error) {
	defer s.cache.dropPool(in.UserPoolId)
	p, err := s.pool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if p.DeletionProtection == "ACTIVE" {
		return nil, cognito.InvalidParameter("The user pool %s has deletion protection activated.", in.UserPoolId)
	}
	if err := s.repo.DeletePool(ctx, in.UserPoolId); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, msg.PoolNotFound(in.UserPoolId)
		}
		return nil, msg.Internal(err)
	}
	s.forgetEstimate(in.UserPoolId)
	if err := s.signer.DeletePoolKeys(ctx, in.UserPoolId); err != nil {
		s.log.WarnContext(ctx, "deleting pool keys failed", "pool", in.UserPoolId, "err", err)
	}
	return &DeleteUserPoolOutput{}, nil
}

// ListUserPools pages through pools.
func (s *Service) ListUserPools(ctx context.Context, in *ListUserPoolsInput) (*ListUserPoolsOutput, error) {
	cursor, err := s.openPageToken(in.NextToken, "pools")
	if err != nil {
		return nil, err
	}
	pools, next, err := s.repo.ListPools(ctx, cursor, int(*in.MaxResults))
	if err != nil {
		return nil, pageErr(err)
	}
	out := &ListUserPoolsOutput{UserPools: []UserPoolDescriptionType{}, NextToken: s.pageToken(next, "pools")}
	for _, sp := range pools {
		p, err := DecodePool(sp)
		if err != nil {
			return nil, msg.Internal(err)
		}
		out.UserPools = append(out.UserPools, UserPoolDescriptionType{Id: p.Id, Name: p.Name, LambdaConfig: p.LambdaConfig,
			Status: p.Status, LastModifiedDate: p.LastModifiedDate, CreationDate: p.CreationDate})
	}
	return out, nil
}

// AddCustomAttributes appends custom attributes to a pool's schema.
func (s *Service) AddCustomAttributes(ctx context.Context, in *AddCustomAttributesInput) (*AddCustomAttributesOutput, error) {
	defer s.cache.dropPool(in.UserPoolId)
	_, err := s.repo.UpdatePool(ctx, in.UserPoolId, func(sp *store.Pool) error {
		p, err := DecodePool(sp)
		if err != nil {
			return err
		}
		schema, err := MergeSchema(in.CustomAttributes, p.SchemaAttributes, false)
		if err != nil {
			return err
		}
		p.SchemaAttributes = schema
		p.LastModifiedDate = wireTime(s.now())
		sp.Data = mustJSON(p.UserPoolType)
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, msg.PoolNotFound(in.UserPoolId)
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	return &AddCustomAttributesOutput{}, nil
}

// ---- pagination tokens ----

// pageToken seals a store cursor with the operation it belongs to, so tokens are opaque and
// cannot be moved between operations or forged.
func (s *Service) pageToken(cursor, scope string) string {
	if cursor == "" {
		return ""
	}
	tag := s.mac("page", scope, cursor)[:12]
	return encodeB64(append(tag, []byte(cursor)...))
}

func (s *Service) openPageToken(tok, scope string) (string, error) {
	if tok == "" {
		return "", nil
	}
	raw, err := decodeB64(tok)
	if err != nil || len(raw) < 13 {
		return "", msg.InvalidPageToken()
	}
	cursor := string(raw[12:])
	if !hmacEqual(raw[:12], s.mac("page", scope, cursor)[:12]) {
		return "", msg.InvalidPageToken()
	}
	return cursor, nil
}

func pageErr(err error) error {
	if errors.Is(err, store.ErrInvalidCursor) {
		return msg.InvalidPageToken()
	}
	return msg.Internal(err)
}
