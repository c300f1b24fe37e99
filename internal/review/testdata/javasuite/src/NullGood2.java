package store;
import java.util.Map;
public class NullGood2 {
    public int quantity(Map<String, Integer> stock, String sku) {
        Integer n = stock.get(sku);
        if (n != null) {
            return n.intValue() * 2;
        }
        return 0;
    }
}
