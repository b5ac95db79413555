// amazon-cognito-identity-js: SRP sign-in (USER_SRP_AUTH, PASSWORD_VERIFIER) against the served sandbox
// (CognitoUserPool's documented `endpoint` option), the session's tokens, getUserAttributes, a refresh.
import pkg from "amazon-cognito-identity-js";
import { args, check, done, main, step } from "./_common.mjs";

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = pkg;

main(async () => {
  const { endpoint, poolId, clientId, username, password } = args;
  const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint });
  const user = new CognitoUser({ Username: username, Pool: pool });
  const session = await new Promise((resolve, reject) => user.authenticateUser(
    new AuthenticationDetails({ Username: username, Password: password }),
    { onSuccess: resolve, onFailure: reject, newPasswordRequired: () => reject(new Error("new password required")) }));
  check(session.isValid(), "valid session");
  const id = session.getIdToken().decodePayload();
  check(id.email === username && id.iss === `https://cognito-idp.${poolId.split("_")[0]}.amazonaws.com/${poolId}`, JSON.stringify(id));
  step("authenticateUser (SRP: USER_SRP_AUTH, PASSWORD_VERIFIER)", id.sub);
  const attrs = await new Promise((resolve, reject) => user.getUserAttributes((err, a) => (err ? reject(err) : resolve(a))));
  check(attrs.find((a) => a.getName() === "email"), "attributes");
  step("getUserAttributes", attrs.map((a) => a.getName()).join(","));
  const renewed = await new Promise((resolve, reject) => user.refreshSession(session.getRefreshToken(),
    (err, s) => (err ? reject(err) : resolve(s))));
  check(renewed.getAccessToken().getJwtToken() !== session.getAccessToken().getJwtToken() || renewed.isValid(), "refreshed");
  step("refreshSession (REFRESH_TOKEN_AUTH)");
  let wrong = null;
  await new Promise((resolve) => new CognitoUser({ Username: username, Pool: pool }).authenticateUser(
    new AuthenticationDetails({ Username: username, Password: password + "x" }),
    { onSuccess: () => resolve(), onFailure: (err) => { wrong = `${err.code}: ${err.message}`; resolve(); } }));
  check(wrong === "NotAuthorizedException: Incorrect username or password.", `wrong password: ${wrong}`);
  step("wrong password", wrong);
  done();
});
