package store;
import com.amazonaws.services.dynamodbv2.datamodeling.DynamoDBMapper;
public class NullBad1 {
    private final DynamoDBMapper mapper;
    NullBad1(DynamoDBMapper mapper) { this.mapper = mapper; }
    public String ownerOf(String id) {
        Order order = mapper.load(Order.class, id);
        return order.getOwner();
    }
}
