package pools

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"regexp"
	"strings"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
)

// A pool has at most one prefix domain (<prefix>.auth.<region>.amazoncognito.com, Domain names
// the prefix) and one custom domain (its full name; CustomDomainConfig carries the certificate).
// Both are claimed by an item keyed by the domain (store.DomainKey), unique across the
// deployment and written in the same transaction as the pool's Domain or CustomDomain, so
// DescribeUserPoolDomain is one read and no two pools hold a name.

var (
	prefixRe = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$`)
	labelRe  = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$`)
)

// reservedWords may not appear in a prefix domain.
var reservedWords = []string{"aws", "amazon", "cognito"}

func validatePrefix(domain string) error {
	if !prefixRe.MatchString(domain) {
		return cognito.InvalidParameter(`The domain name contains an invalid character. Domain names can only contain lower-case letters, numbers, and hyphens. Please enter a different name that follows this format: ^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$`)
	}
	for _, w := range reservedWords {
		if strings.Contains(domain, w) {
			return cognito.InvalidParameter("Domain cannot contain reserved word: %s", w)
		}
	}
	return nil
}

// validateCustom checks a custom domain's name: a fully qualified lower-case host name.
func validateCustom(domain string) error {
	labels := strings.Split(domain, ".")
	ok := len(domain) <= 253 && len(labels) >= 2
	for _, l := range labels {
		ok = ok && labelRe.MatchString(l)
	}
	if !ok {
		return cognito.InvalidParameter("The custom domain %s is not a fully qualified domain name.", domain)
	}
	if strings.HasSuffix(domain, ".amazoncognito.com") {
		return cognito.InvalidParameter("Domain cannot contain reserved word: amazoncognito.com")
	}
	return nil
}

func managedLoginVersion(v *int32, p *model.Pool) (int32, error) {
	if v == nil {
		return 1, nil
	}
	if *v != 1 && *v != 2 {
		return 0, cognito.InvalidParameter("ManagedLoginVersion must be 1 (hosted UI, classic) or 2 (managed login).")
	}
	if *v == 2 && p.UserPoolTier == "LITE" {
		return 0, msg.FeatureUnavailableInTier("Managed login")
	}
	return *v, nil
}

// cloudFrontDomain is the CloudFront distribution a custom domain is said to be served by: a
// plausible name derived from the domain (docs/oauth.md: Cognate serves no CloudFront).
func cloudFrontDomain(domain string) string {
	h := sha256.Sum256([]byte("cognate/cloudfront/" + domain))
	return "d" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:]))[:13] + ".cloudfront.net"
}

func (s *Pools) readDomain(ctx context.Context, domain string) (*model.DomainDescriptionType, int64, error) {
	it, err := s.Repo.Get(ctx, store.DomainKey(domain))
	if err != nil {
		return nil, 0, err
	}
	var d model.DomainDescriptionType
	if err := json.Unmarshal(it.Data, &d); err != nil {
		return nil, 0, err
	}
	return &d, it.Version, nil
}

// CreateUserPoolDomain gives a pool a prefix domain or, with CustomDomainConfig, a custom domain.
func (s *Pools) CreateUserPoolDomain(ctx context.Context, in *api.CreateUserPoolDomainInput) (*api.CreateUserPoolDomainOutput, error) {
	defer s.dir.DropPool(in.UserPoolId)
	custom := in.CustomDomainConfig != nil
	if custom {
		if err := validateCustom(in.Domain); err != nil {
			return nil, err
		}
	} else if err := validatePrefix(in.Domain); err != nil {
		return nil, err
	}
	now := s.Now()
	d := model.DomainDescriptionType{UserPoolId: in.UserPoolId, AWSAccountId: s.accountID, Domain: in.Domain,
		S3Bucket: "aws-cognito-prod-" + s.region + "-assets", Version: now.UTC().Format("20060102150405"), Status: "ACTIVE",
		CustomDomainConfig: in.CustomDomainConfig}
	if custom {
		d.CloudFrontDistribution = cloudFrontDomain(in.Domain)
	}
	_, err := s.Repo.UpdatePoolWith(ctx, in.UserPoolId, func(sp *store.Pool) ([]store.Op, error) {
		p, err := model.DecodePool(sp)
		if err != nil {
			return nil, err
		}
		if (custom && p.CustomDomain != "") || (!custom && p.Domain != "") {
			return nil, cognito.InvalidParameter("User pool already has a domain configured.")
		}
		v, err := managedLoginVersion(in.ManagedLoginVersion, p)
		if err != nil {
			return nil, err
		}
		d.ManagedLoginVersion = &v
		if custom {
			p.CustomDomain = in.Domain
		} else {
			p.Domain = in.Domain
		}
		sp.Data = model.MustJSON(p.UserPoolType)
		return []store.Op{store.PutOp(store.DomainKey(in.Domain), store.Item{Version: 1, Data: model.MustJSON(d)}, store.Cond{Kind: store.CondNotExists})}, nil
	})
	var extra *store.ExtraOpError
	switch {
	case errors.As(err, &extra):
		return nil, cognito.InvalidParameter("Domain already associated with another user pool.")
	case errors.Is(err, store.ErrNotFound):
		return nil, msg.PoolNotFound(in.UserPoolId)
	case cognito.As(err) != nil:
		return nil, err
	case err != nil:
		return nil, msg.Internal(err)
	}
	return &api.CreateUserPoolDomainOutput{CloudFrontDomain: d.CloudFrontDistribution, ManagedLoginVersion: d.ManagedLoginVersion}, nil
}

// DescribeUserPoolDomain answers a domain's description, or an empty one for a domain no pool
// has (as Cognito does).
func (s *Pools) DescribeUserPoolDomain(ctx context.Context, in *api.DescribeUserPoolDomainInput) (*api.DescribeUserPoolDomainOutput, error) {
	d, _, err := s.readDomain(ctx, in.Domain)
	if errors.Is(err, store.ErrNotFound) {
		return &api.DescribeUserPoolDomainOutput{DomainDescription: &model.DomainDescriptionType{}}, nil
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	return &api.DescribeUserPoolDomainOutput{DomainDescription: d}, nil
}

// UpdateUserPoolDomain changes a domain's managed-login version, and a custom domain's
// certificate.
func (s *Pools) UpdateUserPoolDomain(ctx context.Context, in *api.UpdateUserPoolDomainInput) (*api.UpdateUserPoolDomainOutput, error) {
	p, err := s.dir.Pool(ctx, in.UserPoolId)
	if errors.Is(err, cognito.ErrResourceNotFound) {
		return nil, msg.DomainNotFound()
	}
	if err != nil {
		return nil, err
	}
	for i := 0; i < 3; i++ {
		d, version, err := s.readDomain(ctx, in.Domain)
		if errors.Is(err, store.ErrNotFound) {
			return nil, msg.DomainNotFound()
		}
		if err != nil {
			return nil, msg.Internal(err)
		}
		if d.UserPoolId != p.Id {
			return nil, msg.DomainNotFound()
		}
		if in.CustomDomainConfig != nil {
			if d.CustomDomainConfig == nil {
				return nil, cognito.InvalidParameter("CustomDomainConfig is only for custom domains; %s is a prefix domain.", in.Domain)
			}
			d.CustomDomainConfig = in.CustomDomainConfig
		}
		if in.ManagedLoginVersion != nil {
			v, err := managedLoginVersion(in.ManagedLoginVersion, p)
			if err != nil {
				return nil, err
			}
			d.ManagedLoginVersion = &v
		}
		err = s.Repo.Commit(ctx, store.PutOp(store.DomainKey(in.Domain), store.Item{Version: version + 1, Data: model.MustJSON(d)}, store.Cond{Kind: store.CondVersion, Version: version}))
		if errors.Is(err, store.ErrConditionFailed) {
			continue
		}
		if err != nil {
			return nil, msg.Internal(err)
		}
		return &api.UpdateUserPoolDomainOutput{CloudFrontDomain: d.CloudFrontDistribution, ManagedLoginVersion: d.ManagedLoginVersion}, nil
	}
	return nil, msg.DomainChanged()
}

// DeleteUserPoolDomain removes a pool's domain and frees its name.
func (s *Pools) DeleteUserPoolDomain(ctx context.Context, in *api.DeleteUserPoolDomainInput) (*api.DeleteUserPoolDomainOutput, error) {
	defer s.dir.DropPool(in.UserPoolId)
	_, err := s.Repo.UpdatePoolWith(ctx, in.UserPoolId, func(sp *store.Pool) ([]store.Op, error) {
		p, err := model.DecodePool(sp)
		if err != nil {
			return nil, err
		}
		d, version, err := s.readDomain(ctx, in.Domain)
		if errors.Is(err, store.ErrNotFound) {
			return nil, msg.DomainNotFound()
		}
		if err != nil {
			return nil, err
		}
		if d.UserPoolId != p.Id {
			return nil, msg.DomainNotFound()
		}
		switch in.Domain {
		case p.Domain:
			p.Domain = ""
		case p.CustomDomain:
			p.CustomDomain = ""
		}
		sp.Data = model.MustJSON(p.UserPoolType)
		return []store.Op{store.DeleteOp(store.DomainKey(in.Domain), store.Cond{Kind: store.CondVersion, Version: version})}, nil
	})
	var extra *store.ExtraOpError
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, msg.DomainNotFound()
	case errors.As(err, &extra):
		return nil, msg.DomainChanged()
	case cognito.As(err) != nil:
		return nil, err
	case err != nil:
		return nil, msg.Internal(err)
	}
	return &api.DeleteUserPoolDomainOutput{}, nil
}
