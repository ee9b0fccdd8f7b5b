package retail.serving;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The users of `retail serve`: one line per user, written by `retail users add`.
 *
 * <p>Format: {@code name:role:pbkdf2_sha256:iterations:salt_base64:hash_base64}. The file is
 * re-read when it changes, so users added while the server runs can log in at once.
 */
public final class UserFile {
  /** The environment variable that names the file (set by `retail serve`). */
  public static final String ENV = "RETAIL_USERS_FILE";

  /** One user: a role and a salted PBKDF2-HMAC-SHA256 hash of the password. */
  public static final class User {
    final String role;
    final int iterations;
    final byte[] salt;
    final byte[] hash;

    User(String role, int iterations, byte[] salt, byte[] hash) {
      this.role = role;
      this.iterations = iterations;
      this.salt = salt;
      this.hash = hash;
    }
  }

  private static Map<String, User> cached = new HashMap<>();
  private static long cachedStamp = Long.MIN_VALUE;

  private UserFile() {}

  static Path path() {
    String value = System.getenv(ENV);
    return value == null || value.isEmpty() ? null : Paths.get(value);
  }

  /** The users now in the file (empty when there is no file). */
  public static synchronized Map<String, User> users() {
    Path file = path();
    if (file == null || !Files.isRegularFile(file)) {
      return new HashMap<>();
    }
    try {
      long stamp = Files.getLastModifiedTime(file).toMillis() ^ Files.size(file);
      if (stamp != cachedStamp) {
        cached = parse(Files.readAllLines(file, StandardCharsets.UTF_8));
        cachedStamp = stamp;
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the users file " + file + ": " + e, e);
    }
    return cached;
  }

  static Map<String, User> parse(List<String> lines) {
    Map<String, User> users = new HashMap<>();
    Base64.Decoder b64 = Base64.getDecoder();
    for (String line : lines) {
      String text = line.trim();
      if (text.isEmpty() || text.startsWith("#")) {
        continue;
      }
      String[] f = text.split(":");
      if (f.length != 6 || !"pbkdf2_sha256".equals(f[2])) {
        continue; // a malformed line never grants access
      }
      users.put(f[0], new User(f[1], Integer.parseInt(f[3]), b64.decode(f[4]), b64.decode(f[5])));
    }
    return users;
  }

  /** The role of `name`, or null when the user is unknown. */
  public static String role(String name) {
    User user = name == null ? null : users().get(name);
    return user == null ? null : user.role;
  }

  /** True when `password` is the password of `name`; constant-time comparison. */
  public static boolean verify(String name, String password) {
    User user = name == null ? null : users().get(name);
    if (user == null || password == null || password.isEmpty()) {
      return false;
    }
    try {
      PBEKeySpec spec =
          new PBEKeySpec(password.toCharArray(), user.salt, user.iterations, user.hash.length * 8);
      byte[] candidate =
          SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
      return MessageDigest.isEqual(candidate, user.hash);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
