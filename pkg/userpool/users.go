package userpool

import (
	"github.com/cognatehq/cognate/pkg/userpool/model"
)

// ---- usernames ----

// ---- attributes ----

// ---- passwords ----

// toUserType renders a user for AdminCreateUser and ListUsers.
func toUserType(u *model.User, attrs []model.AttributeType) model.UserType {
	return model.UserType{Username: u.Username, Attributes: attrs, UserCreateDate: model.WireTime(u.Created),
		UserLastModifiedDate: model.WireTime(u.Modified), Enabled: u.Enabled, UserStatus: u.Status}
}
