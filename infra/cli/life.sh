#!/usr/bin/env bash
# The foundation life through the AWS CLI v2, unmodified.
set -euo pipefail
ERR=$(mktemp); trap 'rm -f "$ERR"' EXIT
EP=${COGNATE_ENDPOINT:?set COGNATE_ENDPOINT}
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
aws() { "${AWS_CLI:-/usr/bin/aws}" --endpoint-url "$EP" "$@"; }
POOL=$(aws cognito-idp create-user-pool --pool-name cli-pool --auto-verified-attributes email --query UserPool.Id --output text)
CLIENT=$(aws cognito-idp create-user-pool-client --user-pool-id "$POOL" --client-name cli --explicit-auth-flows ALLOW_USER_PASSWORD_AUTH ALLOW_ADMIN_USER_PASSWORD_AUTH ALLOW_REFRESH_TOKEN_AUTH --query UserPoolClient.ClientId --output text)
echo "pool $POOL client $CLIENT"
aws cognito-idp sign-up --client-id "$CLIENT" --username cliuser --password 'Cli-Passw0rd!' --user-attributes Name=email,Value=cliuser@example.com >/dev/null
CODE=$(curl -s "$EP/_local/outbox?to=cliuser@example.com" | python3 -c 'import sys,json; print(json.load(sys.stdin)["messages"][-1]["code"])')
aws cognito-idp confirm-sign-up --client-id "$CLIENT" --username cliuser --confirmation-code "$CODE"
OUT=$(aws cognito-idp initiate-auth --client-id "$CLIENT" --auth-flow USER_PASSWORD_AUTH --auth-parameters USERNAME=cliuser,PASSWORD='Cli-Passw0rd!')
AT=$(echo "$OUT" | python3 -c 'import sys,json; print(json.load(sys.stdin)["AuthenticationResult"]["AccessToken"])')
RT=$(echo "$OUT" | python3 -c 'import sys,json; print(json.load(sys.stdin)["AuthenticationResult"]["RefreshToken"])')
aws cognito-idp get-user --access-token "$AT" --query Username --output text
aws cognito-idp initiate-auth --client-id "$CLIENT" --auth-flow REFRESH_TOKEN_AUTH --auth-parameters REFRESH_TOKEN="$RT" --query 'AuthenticationResult.ExpiresIn'
aws cognito-idp change-password --access-token "$AT" --previous-password 'Cli-Passw0rd!' --proposed-password 'Cli-Passw0rd!2'
aws cognito-idp global-sign-out --access-token "$AT"
if aws cognito-idp get-user --access-token "$AT" 2>"$ERR"; then echo "revoked token accepted"; exit 1; fi
grep -q "NotAuthorizedException.*Access Token has been revoked" "$ERR" && echo "revoked token refused: $(cat "$ERR")"
aws cognito-idp admin-create-user --user-pool-id "$POOL" --username invited --temporary-password 'Temp-Passw0rd!' --message-action SUPPRESS --query User.UserStatus --output text
SESSION=$(aws cognito-idp admin-initiate-auth --user-pool-id "$POOL" --client-id "$CLIENT" --auth-flow ADMIN_USER_PASSWORD_AUTH --auth-parameters USERNAME=invited,PASSWORD='Temp-Passw0rd!' --query Session --output text)
aws cognito-idp admin-respond-to-auth-challenge --user-pool-id "$POOL" --client-id "$CLIENT" --challenge-name NEW_PASSWORD_REQUIRED --session "$SESSION" --challenge-responses USERNAME=invited,NEW_PASSWORD='Perm-Passw0rd!' --query 'AuthenticationResult.TokenType' --output text
aws cognito-idp list-users --user-pool-id "$POOL" --filter 'username = "invited"' --query 'Users[].UserStatus' --output text
aws cognito-idp admin-delete-user --user-pool-id "$POOL" --username invited
aws cognito-idp admin-delete-user --user-pool-id "$POOL" --username cliuser
aws cognito-idp delete-user-pool --user-pool-id "$POOL"
echo "CLI life: ok"
