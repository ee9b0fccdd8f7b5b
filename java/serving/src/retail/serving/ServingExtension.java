package retail.serving;

import org.apache.spark.sql.SparkSessionExtensions;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * The session extension `retail serve` registers (spark.sql.extensions): the role-based
 * access check ({@link AccessPolicy}) on every session's analyzed plans, and the functions
 * shared with new sessions ({@link SharedFunctions}).
 */
public final class ServingExtension extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    extensions.injectCheckRule(new AbstractFunction1<>() {
      @Override
      public AccessPolicy apply(org.apache.spark.sql.SparkSession session) {
        return new AccessPolicy(session);
      }
    });
    return BoxedUnit.UNIT;
  }
}
