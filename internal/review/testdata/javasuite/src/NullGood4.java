package store;
import com.amazonaws.services.dynamodbv2.datamodeling.DynamoDBMapper;
import java.util.Objects;
public class NullGood4 {
    public void rename(DynamoDBMapper mapper, String id, String name) {
        Customer c = Objects.requireNonNull(mapper.load(Customer.class, id), "customer");
        c.setName(name);
        mapper.save(c);
    }
}
