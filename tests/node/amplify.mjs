// Amplify JavaScript v6 (aws-amplify) with Amplify.configure's userPoolEndpoint / identityPoolEndpoint: signUp,
// confirmSignUp with the code read from the sandbox's HTTP inbox, signIn (SRP), fetchAuthSession with
// identity-pool credentials, an S3 call with them, fetchAuthSession({forceRefresh: true})
// (GetTokensFromRefreshToken), signOut, then a passwordless sign-in with an email code (USER_AUTH, EMAIL_OTP).
import { Amplify } from "aws-amplify";
import { confirmSignIn, confirmSignUp, fetchAuthSession, getCurrentUser, signIn, signOut, signUp } from "aws-amplify/auth";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { args, check, done, latestCode, main, step } from "./_common.mjs";

main(async () => {
  const { endpoint, region, poolId, clientId, identityPoolId, bucket, email, password } = args;
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: poolId, userPoolClientId: clientId, identityPoolId,
        userPoolEndpoint: endpoint, identityPoolEndpoint: endpoint,
        loginWith: { email: true }, signUpVerificationMethod: "code",
      },
    },
  });
  const up = await signUp({ username: email, password, options: { userAttributes: { email } } });
  check(up.nextStep.signUpStep === "CONFIRM_SIGN_UP", JSON.stringify(up));
  step("signUp", up.nextStep.codeDeliveryDetails.destination);
  const code = await latestCode(endpoint, email, "sign-up");
  const confirmed = await confirmSignUp({ username: email, confirmationCode: code });
  check(confirmed.isSignUpComplete, JSON.stringify(confirmed));
  step("confirmSignUp with the code from the HTTP inbox");

  const signedIn = await signIn({ username: email, password });
  check(signedIn.isSignedIn && signedIn.nextStep.signInStep === "DONE", JSON.stringify(signedIn));
  const me = await getCurrentUser();
  step("signIn (SRP)", me.userId);

  const session = await fetchAuthSession();
  check(session.tokens && session.tokens.idToken && session.credentials && session.identityId, "session");
  check(session.credentials.accessKeyId.startsWith("ASIA"), "temporary credentials");
  step("fetchAuthSession: tokens, identityId, credentials", session.identityId);

  const s3 = new S3Client({ region, endpoint, forcePathStyle: true, credentials: session.credentials });
  const key = `private/${session.identityId}/amplify.txt`;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "hello from amplify" }));
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  check((await got.Body.transformToString()) === "hello from amplify", "object round trip");
  step("S3 PutObject/GetObject with the session's credentials");

  const before = session.tokens.accessToken.toString();
  const refreshed = await fetchAuthSession({ forceRefresh: true });
  check(refreshed.tokens.accessToken.toString() !== before, "new access token");
  check(refreshed.identityId === session.identityId, "same identity");
  step("fetchAuthSession({forceRefresh: true}) (GetTokensFromRefreshToken)");

  await signOut();
  step("signOut");

  const otp = await signIn({ username: email, options: { authFlowType: "USER_AUTH", preferredChallenge: "EMAIL_OTP" } });
  check(otp.nextStep.signInStep === "CONFIRM_SIGN_IN_WITH_EMAIL_CODE", JSON.stringify(otp));
  step("signIn USER_AUTH preferredChallenge EMAIL_OTP", otp.nextStep.signInStep);
  const otpCode = await latestCode(endpoint, email);
  const finished = await confirmSignIn({ challengeResponse: otpCode });
  check(finished.isSignedIn, JSON.stringify(finished));
  const again = await fetchAuthSession();
  check(again.tokens.idToken.payload.email === email, "signed in by email code");
  step("confirmSignIn with the email code from the HTTP inbox");
  done({ identityId: session.identityId });
});
