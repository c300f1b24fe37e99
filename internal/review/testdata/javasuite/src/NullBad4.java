package store;
import com.amazonaws.services.dynamodbv2.datamodeling.DynamoDBMapper;
public class NullBad4 {
    public void rename(DynamoDBMapper mapper, String id, String name) {
        Customer c = mapper.load(Customer.class, id);
        if (name.isEmpty()) {
            if (c != null) {
                c.setName("anonymous");
            }
        }
        c.setName(name);
        mapper.save(c);
    }
}
