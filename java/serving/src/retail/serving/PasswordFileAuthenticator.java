package retail.serving;

import javax.security.sasl.AuthenticationException;
import org.apache.hive.service.auth.PasswdAuthenticationProvider;

/**
 * HiveServer2 CUSTOM authentication: user names and PBKDF2 password hashes from the users file
 * ({@link UserFile}). Set as {@code hive.server2.custom.authentication.class}.
 */
public final class PasswordFileAuthenticator implements PasswdAuthenticationProvider {
  @Override
  public void Authenticate(String user, String password) throws AuthenticationException {
    if (!UserFile.verify(user, password)) {
      // the same message for an unknown user and a wrong password
      throw new AuthenticationException("invalid user name or password");
    }
  }
}
