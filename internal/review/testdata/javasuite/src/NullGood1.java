package store;
import com.amazonaws.services.dynamodbv2.datamodeling.DynamoDBMapper;
public class NullGood1 {
    private final DynamoDBMapper mapper;
    NullGood1(DynamoDBMapper mapper) { this.mapper = mapper; }
    public String ownerOf(String id) {
        Order order = mapper.load(Order.class, id);
        if (order == null) {
            throw new IllegalArgumentException("no order " + id);
        }
        return order.getOwner();
    }
}
