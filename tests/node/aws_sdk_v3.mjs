// The AWS SDK for JavaScript v3 against the served sandbox (endpoint = the sandbox's URL, as for any local
// endpoint): Cognito user pools (sign-up, the code read from the HTTP inbox, confirm, sign-in, GetUser), the
// identity pool's credentials through @aws-sdk/credential-providers fromCognitoIdentityPool, and S3 calls
// signed with those credentials (allowed in the identity's own prefix, denied elsewhere).
import {
  CognitoIdentityProviderClient, ConfirmSignUpCommand, GetUserCommand, InitiateAuthCommand, SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { fromCognitoIdentityPool } from "@aws-sdk/credential-providers";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { args, check, done, latestCode, main, step } from "./_common.mjs";

main(async () => {
  const { endpoint, region, poolId, clientId, identityPoolId, bucket, email, password, admin } = args;
  const idp = new CognitoIdentityProviderClient({ region, endpoint, credentials: admin });
  const up = await idp.send(new SignUpCommand({ ClientId: clientId, Username: email, Password: password,
    UserAttributes: [{ Name: "email", Value: email }] }));
  check(up.UserConfirmed === false && up.CodeDeliveryDetails.DeliveryMedium === "EMAIL", JSON.stringify(up));
  step("SignUp", up.CodeDeliveryDetails.Destination);
  const code = await latestCode(endpoint, email, "sign-up");
  step("code read from the HTTP inbox");
  await idp.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: email, ConfirmationCode: code }));
  step("ConfirmSignUp");
  const auth = await idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: password } }));
  const tokens = auth.AuthenticationResult;
  check(tokens.IdToken && tokens.AccessToken && tokens.RefreshToken, "tokens");
  step("InitiateAuth USER_PASSWORD_AUTH");
  const me = await idp.send(new GetUserCommand({ AccessToken: tokens.AccessToken }));
  check(me.UserAttributes.find((a) => a.Name === "email").Value === email, "GetUser");
  step("GetUser", me.Username);

  const credentials = fromCognitoIdentityPool({
    clientConfig: { region, endpoint }, identityPoolId,
    logins: { [`cognito-idp.${region}.amazonaws.com/${poolId}`]: tokens.IdToken },
  });
  const creds = await credentials();
  check(creds.accessKeyId.startsWith("ASIA") && creds.sessionToken && creds.identityId, "credentials");
  step("fromCognitoIdentityPool", creds.identityId);

  const s3 = new S3Client({ region, endpoint, forcePathStyle: true, credentials });
  const key = `private/${creds.identityId}/note.txt`;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "hello from node" }));
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  check((await got.Body.transformToString()) === "hello from node", "object round trip");
  step("S3 PutObject/GetObject in the identity's prefix");
  let denied = null;
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "private/someone-else/note.txt", Body: "x" }));
  } catch (err) {
    denied = `${err.name} ${err.$metadata && err.$metadata.httpStatusCode}`;
  }
  check(denied === "AccessDenied 403", `another prefix: ${denied}`);
  step("S3 PutObject elsewhere denied", denied);
  done({ identityId: creds.identityId });
});
